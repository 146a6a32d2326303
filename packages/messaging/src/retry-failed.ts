import { publishRetry } from "@wa/bus";
import type { ButtonPart, DecisionRequest, HeaderPart, Variables } from "@wa/compliance";
import { writeAudit, type AuditActor, type MessageRow } from "@wa/db";
import { explainMetaError, type RichContent } from "@wa/meta";
import { linkHosts } from "./content-checks.js";
import { templateLinkHosts } from "./template-parts.js";
import { lockCustomers, reserveFrequencySlots } from "@wa/state";
import { sql } from "kysely";
import { UUID } from "./cancel.js";
import { resolveJs } from "./js-source.js";
import { withTxRetry } from "./tx-retry.js";
import type { MessagingOptions, RetryOutcome } from "./types.js";

/** The compliance question for a stored row (the same one enqueueOutbound asked, from the row's number). */
export function decisionRequestOf(
  row: Pick<MessageRow, "customer_id" | "channel" | "kind" | "category" | "content"> &
    Partial<Pick<MessageRow, "phone_number_id">>,
): DecisionRequest {
  const number = row.phone_number_id ? { phone_number_id: row.phone_number_id } : {};
  const c = row.content as {
    template_name?: string;
    locale?: string;
    variables?: Variables;
    header?: HeaderPart;
    buttons?: ButtonPart[];
    to?: unknown;
  };
  // The id the message addressed (a BSUID of this customer, in content.to) is what rule 1 judges.
  const customerId = typeof c.to === "string" ? c.to : row.customer_id;
  if (row.kind === "template") {
    return {
      customer_id: customerId,
      channel: row.channel,
      ...number,
      message_type: "template",
      template_name: c.template_name ?? "",
      locale: c.locale ?? "en",
      variables: c.variables ?? [],
      ...(c.header ? { header: c.header } : {}),
      ...(c.buttons ? { buttons: c.buttons } : {}),
      ...templateLinkHosts(c.header),
    };
  }
  const rich = row.kind !== "text" ? { link_hosts: linkHosts(row.content as unknown as RichContent) } : {};
  return { customer_id: customerId, channel: row.channel, ...number, message_type: row.category ?? "service", ...rich };
}

const skip = (message_id: string, reason: string): RetryOutcome => ({ message_id, status: "skipped", reason });

// Failures without a Meta code that are safe to send again: Meta could not be reached or kept failing on its side
// (the worker's reasons name the kind). Anything else without a code (a `failed` webhook without errors, a send
// that may have reached Meta: SEND_UNCONFIRMED) has no known retryability and is not resent.
const RETRYABLE_WITHOUT_CODE = /^(network|timeout|invalid_response)\b/;

/** retry_failed_messages: failed rows with retryable codes, compliance re-run, back to queued, retry subject. */
export function createRetryFailed(o: MessagingOptions) {
  const now = o.now ?? Date.now;

  async function one(id: string, actor: AuditActor): Promise<RetryOutcome> {
    if (!UUID.test(id)) return skip(id, "NOT_FOUND: not a message id.");
    const row = await o.db
      .selectFrom("messages")
      .selectAll()
      .where("id", "=", id)
      .where("direction", "=", "outbound")
      .executeTakeFirst();
    if (!row) return skip(id, "NOT_FOUND: no outbound message has this id.");
    if (row.status !== "failed")
      return skip(id, `INVALID_STATE_TRANSITION: the message is ${row.status}; only failed messages are retried.`);
    if (row.error_code !== null) {
      const x = explainMetaError(row.error_code);
      if (!x.can_retry)
        return skip(id, `Meta error ${row.error_code} (${x.category}) cannot be retried: ${x.human_explanation}`);
    } else if (!RETRYABLE_WITHOUT_CODE.test(row.status_reason ?? "")) {
      const why =
        row.status_reason === "SEND_UNCONFIRMED"
          ? "Meta may already have it (SEND_UNCONFIRMED)"
          : "the failure has no Meta error code, so it is not known to be retryable";
      return skip(
        id,
        `Not retried: ${why}. Check get_delivery_status, and send a new message if the customer still needs it.`,
      );
    }
    // The row may still hold its own slot (Meta took it, then it failed): that slot must not count against it.
    const key = {
      customerId: row.customer_id,
      channel: row.channel,
      ...(row.phone_number_id ? { phoneNumberId: row.phone_number_id } : {}),
    };
    const snap = await o.state.getSnapshot(key);
    const d = await o.compliance.evaluateWith(decisionRequestOf(row), {
      ...snap,
      slots: snap.slots.filter((x) => x.slotId !== id),
    });
    if (!d.allowed) return skip(id, `${d.reason_code}: ${d.human_explanation}`);
    const t = now();
    const cap = row.category === "marketing" ? await o.compliance.capFor(row.channel) : 0;
    const res = await withTxRetry(o.db, async (trx) => {
      await lockCustomers(trx, row.channel, [row.customer_id]); // the one lock order: customer, then message
      const locked = await trx
        .selectFrom("messages")
        .select(["status", "counts_toward_cap"])
        .where("id", "=", id)
        .forUpdate()
        .executeTakeFirst();
      if (locked?.status !== "failed") return `INVALID_STATE_TRANSITION: the message is ${locked?.status ?? "gone"}.`;
      let slotAt: number | null = null;
      if (row.category === "marketing" && !locked.counts_toward_cap) {
        const [slot] = await reserveFrequencySlots(trx, {
          channel: row.channel,
          customerIds: [row.customer_id],
          cap,
          now: t,
        });
        if (!slot!.ok)
          return `FREQUENCY_CAP_EXCEEDED: the marketing cap of ${slot!.cap} is reached until ${new Date(slot!.resetsAt).toISOString()}.`;
        slotAt = slot!.at;
      }
      await trx
        .updateTable("messages")
        .set({
          status: "queued",
          attempts: 0,
          error_code: null,
          error_title: null,
          error_details: null,
          error_explanation: null,
          status_reason: null,
          failed_at: null,
          updated_at: sql`now()`,
          ...(slotAt !== null
            ? { counts_toward_cap: true, queued_at: new Date(slotAt) }
            : locked.counts_toward_cap
              ? {}
              : { queued_at: new Date(t) }),
        })
        .where("id", "=", id)
        .execute();
      await writeAudit(trx, {
        actor,
        action: "message.retried",
        subjectType: "message",
        subjectId: id,
        details: { previous_error_code: row.error_code },
      });
      return null;
    });
    if (res) return skip(id, res);
    if (row.category === "marketing")
      await o.state.invalidate({ customerId: row.customer_id, channel: row.channel }).catch(() => {});
    const js = resolveJs(o.js);
    // A fresh msgId: an earlier retry of the same message may still sit in the duplicate window.
    if (js)
      await publishRetry(
        js,
        o.names,
        { message_id: id },
        { msgId: `retry:${id}:${t}`, timeoutMs: o.publishTimeoutMs ?? 1000 },
      ).catch((err: unknown) =>
        o.log.warn({ err, message_id: id }, "retry publish failed; row stays queued for the reconciler"),
      );
    return { message_id: id, status: "retried" };
  }

  return async function retryFailed(
    ids: readonly string[],
    opts: { readonly actor: AuditActor },
  ): Promise<RetryOutcome[]> {
    const out: RetryOutcome[] = [];
    for (const id of ids) out.push(await one(id, opts.actor));
    return out;
  };
}
