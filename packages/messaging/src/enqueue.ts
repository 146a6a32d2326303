import { publishOutbound } from "@wa/bus";
import { parseRecipient, type DenialCode, type MessageCategory } from "@wa/compliance";
import { writeAudit, type MessageRow } from "@wa/db";
import { reserveFrequencySlot, type FrequencyReservation } from "@wa/state";
import { insertUnlocked } from "./customers.js";
import { resolveJs } from "./js-source.js";
import { fromDecision, refuse } from "./refusal.js";
import { checkRequest, requestHash, storedContent, type CheckedRequest } from "./request.js";
import type { Accepted, EnqueueOptions, EnqueueResult, MessagingOptions, OutboundRequest, Refused } from "./types.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// schedule_message: "consent checked now; everything checked again at dispatch". The window, the cap,
// quiet hours and template approval may all change by deliver_at, so only these deny at scheduling.
const SCHEDULE_TIME_DENIALS: ReadonlySet<DenialCode> = new Set([
  "INVALID_ARGUMENT", "INVALID_PHONE_NUMBER", "USER_OPTED_OUT", "NO_OPT_IN", "TEMPLATE_NOT_FOUND", "TEMPLATE_VARIABLES_MISMATCH",
]);

type Written =
  | { readonly kind: "row"; readonly row: Pick<MessageRow, "id" | "status">; readonly slot: FrequencyReservation | null; readonly newCustomer: boolean }
  | { readonly kind: "capped"; readonly slot: Extract<FrequencyReservation, { ok: false }> }
  | { readonly kind: "conflict" };

export function createEnqueue(o: MessagingOptions) {
  const now = o.now ?? Date.now;
  const maxDays = o.maxScheduleDays ?? 30;
  const publishTimeoutMs = o.publishTimeoutMs ?? 1000;

  /** Publishes `{message_id}`; false when NATS is down or absent (the reconciler republishes queued rows). */
  async function publish(messageId: string): Promise<boolean> {
    const js = resolveJs(o.js);
    if (!js) return false;
    try {
      await publishOutbound(js, o.names, { message_id: messageId }, { timeoutMs: publishTimeoutMs });
      return true;
    } catch (err) {
      o.log.warn({ err, message_id: messageId }, "outbound publish failed; row stays queued for the reconciler");
      return false;
    }
  }

  async function replay(key: string, hash: string, customerId: string): Promise<EnqueueResult | null> {
    const prior = await o.db.selectFrom("messages").select(["id", "status", "request_hash", "category", "customer_id", "deliver_at"]).where("idempotency_key", "=", key).executeTakeFirst();
    if (!prior) return null;
    if (prior.request_hash !== hash) {
      return refuse(
        "DUPLICATE_REQUEST",
        `idempotency_key "${key}" was already used for a different message (${prior.id}).`,
        "Use a new idempotency_key for a different message, or resend exactly the same content to get the first message back.",
      );
    }
    return accepted(prior.id, prior.status, prior.category ?? "service", prior.customer_id || customerId, prior.deliver_at, true, false);
  }

  async function replyTarget(r: CheckedRequest): Promise<string | null | Refused> {
    const id = r.content.type === "text" ? r.content.reply_to_message_id : undefined;
    if (!id) return null;
    if (!UUID.test(id)) return id; // already a wamid
    const row = await o.db.selectFrom("messages").select("wamid").where("id", "=", id).executeTakeFirst();
    if (!row?.wamid) return refuse("NOT_FOUND", `Message ${id} is unknown or has no WhatsApp id yet, so it cannot be quoted.`, "Reply without reply_to_message_id, or pass the wamid.");
    return row.wamid;
  }

  async function write(r: CheckedRequest, customerId: string, category: MessageCategory, hash: string, replyWamid: string | null, opts: EnqueueOptions, req: OutboundRequest): Promise<Written> {
    const scheduled = r.deliverAt !== null;
    const t = now();
    const c = r.content;
    const values = {
      channel: r.channel, customer_id: customerId, direction: "outbound" as const, category, kind: c.type,
      content: JSON.stringify(storedContent(c, replyWamid)),
      template_name: c.type === "template" ? c.template_name.trim() : null,
      template_locale: c.type === "template" ? (c.locale ?? "en") : null,
      status: scheduled ? ("scheduled" as const) : ("queued" as const), deliver_at: r.deliverAt, campaign_id: req.campaign_id ?? null,
      idempotency_key: r.idempotencyKey, request_hash: hash,
    };
    const audit = {
      actor: opts.actor, action: scheduled ? "message.scheduled" : "message.queued",
      details: {
        customer_id: customerId, category, kind: c.type, ...(c.type === "template" ? { template_name: c.template_name.trim() } : {}),
        ...(opts.tool ? { tool: opts.tool } : {}), ...(r.idempotencyKey ? { idempotency_key: r.idempotencyKey } : {}),
        ...(r.deliverAt ? { deliver_at: r.deliverAt.toISOString() } : {}), ...(req.campaign_id ? { campaign_id: req.campaign_id } : {}),
      },
    };
    if (category !== "marketing" || scheduled) {
      // No slot to reserve, so no lock to take: customer (if new), row and audit entry in one statement.
      const w = await insertUnlocked(o.db, { ...values, queued_at: scheduled ? null : new Date(t) }, audit);
      return w ? { kind: "row", row: w.row, slot: null, newCustomer: w.newCustomer } : { kind: "conflict" };
    }
    const cap = await o.compliance.capFor(r.channel);
    return o.db.transaction().execute(async (trx): Promise<Written> => {
      const slot = await reserveFrequencySlot(trx, { customerId, channel: r.channel, cap, now: t }); // locks the customer row
      if (!slot.ok) return { kind: "capped", slot };
      const row = await trx
        .insertInto("messages")
        .values({ ...values, counts_toward_cap: true, queued_at: new Date(slot.at) })
        .onConflict((oc) => oc.column("idempotency_key").doNothing())
        .returning(["id", "status"])
        .executeTakeFirst();
      if (!row) return { kind: "conflict" }; // a concurrent call with the same key won; its row is the answer
      await writeAudit(trx, { actor: audit.actor, action: audit.action, subjectType: "message", subjectId: row.id, details: audit.details });
      return { kind: "row", row, slot, newCustomer: false };
    });
  }

  return async function enqueueOutbound(req: OutboundRequest, opts: EnqueueOptions): Promise<EnqueueResult> {
    const checked = checkRequest(req, now(), maxDays);
    if ("ok" in checked) return checked;
    const rcp = parseRecipient(req.to);
    if (!rcp.ok) return refuse("INVALID_PHONE_NUMBER", rcp.explanation, "Pass the number with its country code, e.g. +62 811 998 877.");
    const customerId = rcp.id;
    const hash = requestHash(customerId, checked);
    if (checked.idempotencyKey) {
      const prior = await replay(checked.idempotencyKey, hash, customerId);
      if (prior) return prior;
    }
    const reply = await replyTarget(checked);
    if (reply !== null && typeof reply !== "string") return reply;

    const c = checked.content;
    const decision = await o.compliance.evaluate({
      customer_id: customerId, message_type: checked.messageType, channel: checked.channel,
      ...(c.type === "template" ? { template_name: c.template_name.trim(), locale: c.locale ?? "en", variables: c.variables ?? [] } : {}),
    });
    const scheduled = checked.deliverAt !== null;
    if (!decision.allowed && (!scheduled || SCHEDULE_TIME_DENIALS.has(decision.reason_code ?? "INVALID_ARGUMENT"))) {
      return fromDecision(decision, opts.windowClosedCode);
    }
    const category: MessageCategory = decision.category ?? (c.type === "text" ? "service" : "marketing");

    const w = await write(checked, customerId, category, hash, reply, opts, req);
    if (w.kind === "conflict") {
      const prior = await replay(checked.idempotencyKey ?? "", hash, customerId);
      if (prior) return prior;
      throw new Error("idempotency conflict without a row"); // the winner rolled back: caller may retry
    }
    if (w.kind === "capped") {
      const at = new Date(w.slot.resetsAt).toISOString();
      return {
        ...refuse(
          "FREQUENCY_CAP_EXCEEDED",
          `${w.slot.count} marketing message(s) to this customer in the last 24 hours reached the cap of ${w.slot.cap}.`,
          `Schedule it with schedule_message for ${at} or later.`,
        ),
        resets_at: at,
      };
    }
    if (w.slot?.ok) await o.state.mirrorReservation({ customerId, channel: checked.channel }, w.slot, w.row.id).catch(() => {});
    if (w.newCustomer) await o.state.invalidate({ customerId, channel: checked.channel }).catch(() => {}); // drop the "not a customer" marker
    const published = w.row.status === "queued" ? await publish(w.row.id) : false;
    return accepted(w.row.id, w.row.status, category, customerId, checked.deliverAt, false, published);
  };
}

function accepted(id: string, status: Accepted["status"], category: MessageCategory, customerId: string, deliverAt: Date | null, duplicate: boolean, published: boolean): Accepted {
  return {
    ok: true, message_id: id, status, category, customer_id: customerId,
    ...(deliverAt ? { deliver_at: deliverAt.toISOString() } : {}), duplicate, published,
  };
}
