import type { Messaging, OutboundRequest } from "@wa/messaging";
import type { ReasonCode } from "@wa/contract";
import type { StateStore } from "@wa/state";
import type { OnMessagesCancelled } from "./cancel-messages.js";
import type { CampaignSend, EnqueueBatch, PageOutcome, RecipientOutcome } from "./recipient.js";
import { CAMPAIGN_LEVEL_CODES, skipReasonFor } from "./skip-reasons.js";

const CHUNK = 500; // recipients per @wa/messaging enqueueBatch (one statement or transaction each)

export interface CampaignSendOptions {
  readonly messaging: Pick<Messaging, "enqueueBatch">; // the one send path
  readonly quietHours: "hold" | "skip"; // QUIET_HOURS_MODE
  readonly state?: StateStore; // drops cancelled messages' cached frequency slots
}

// The campaign itself cannot send (its template): stop the page and pause; never a per-recipient skip.
const HALT_ON: readonly ReasonCode[] = [...(CAMPAIGN_LEVEL_CODES as ReasonCode[]), "INVALID_ARGUMENT"];

/**
 * The fan-out's `send` port over @wa/messaging's enqueueBatch: every campaign message takes the same send
 * path as an agent's (compliance, exact frequency slots under the customer lock, rows, audit, publish), 500
 * recipients per call. Only the mapping to campaign outcomes (skip reasons, halts) lives here.
 */
export function sendThroughMessaging(o: CampaignSendOptions): {
  enqueueBatch: EnqueueBatch;
  onMessagesCancelled: OnMessagesCancelled;
} {
  const enqueueBatch: EnqueueBatch = async (sends, onProgress): Promise<PageOutcome> => {
    const handled: RecipientOutcome[] = [];
    try {
      for (let i = 0; i < sends.length; i += CHUNK) {
        const r = await o.messaging.enqueueBatch(sends.slice(i, i + CHUNK).map(requestOf), {
          actor: "system",
          tool: "campaign",
          holdQuietHours: o.quietHours === "hold",
          haltOn: HALT_ON,
        });
        for (const x of r.results) handled.push(outcomeOf(x));
        if (r.halted) {
          return {
            handled,
            stop: {
              kind: "halt",
              outcome: { kind: "halt", reasonCode: r.halted.reason_code, explanation: r.halted.human_explanation },
            },
          };
        }
        onProgress();
      }
      return { handled, stop: null };
    } catch (error) {
      return { handled, stop: { kind: "fault", error } };
    }
  };

  const onMessagesCancelled: OnMessagesCancelled = async (msgs) => {
    if (!o.state) return;
    await Promise.all(
      msgs
        .filter((m) => m.heldSlot)
        .map((m) => o.state!.invalidate({ customerId: m.customerId, channel: m.channel }).catch(() => {})),
    );
  };
  return { enqueueBatch, onMessagesCancelled };
}

function requestOf(s: CampaignSend): OutboundRequest {
  return {
    to: s.customerId,
    // The number's business: its customers, consent and cap; the 24 h window with this number.
    from: { phone_number_id: s.phoneNumberId, channel: s.channel },
    message_type: "template",
    idempotency_key: s.idempotencyKey,
    campaign_id: s.campaignId,
    content: {
      type: "template",
      template_name: s.templateName,
      locale: s.locale,
      variables: s.variables ?? [],
      ...(s.header ? { header: s.header } : {}),
      ...(s.buttons ? { buttons: s.buttons } : {}),
    },
  };
}

function outcomeOf(r: Awaited<ReturnType<Messaging["enqueueBatch"]>>["results"][number]): RecipientOutcome {
  if (r.ok) return { kind: "enqueued", messageId: r.message_id, held: r.status === "scheduled", created: !r.duplicate };
  return {
    kind: "skipped",
    reason: skipReasonFor(r.reason_code, { opens_at: r.details?.opens_at, policy_id: r.details?.policy_id }),
    reasonCode: r.reason_code,
  };
}
