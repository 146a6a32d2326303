import type { Decision, Denied } from "@wa/compliance";
import { moveCampaignCounters, type MessageRow } from "@wa/db";
import { reserveFrequencySlot, type FrequencyReservation } from "@wa/state";
import { sql } from "kysely";
import { decisionRequestOf } from "../retry-failed.js";
import { publishAll } from "./publish-all.js";
import type { SchedulerDeps } from "./types.js";

export interface DispatchReport {
  readonly queued: number;
  readonly cancelled: number;
  readonly held: number; // quiet hours or the cap: kept `scheduled` with a later deliver_at
  readonly latenessMs: readonly number[]; // dispatch time − deliver_at of each queued message
}

type Due = Pick<
  MessageRow,
  "id" | "channel" | "phone_number_id" | "customer_id" | "category" | "kind" | "content" | "deliver_at" | "campaign_id"
> & {
  readonly campaign_status: string | null;
};
interface Outcome {
  readonly row: Due;
  readonly code: string;
  readonly explanation: string;
}
interface Hold extends Outcome {
  readonly until: number;
}

// A paused campaign's held messages wait (not due) until it resumes. A pause committing while a batch runs can
// still see that batch's rows queued: those are in flight, like the ones queued before the pause.
const NOT_PAUSED = sql<boolean>`NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.id = messages.campaign_id AND c.status = 'paused')`;

/**
 * What a denial at dispatch means: quiet hours, the cap and Meta's per-user marketing limit pass by themselves, so
 * the message is held until then
 * (like a campaign's held recipients); anything else (opt-out, a closed window for free-form text, a template
 * gone) means it can no longer go: cancelled with its reason code and explanation.
 */
function holdUntil(dec: Denied): number | null {
  if ((dec.reason_code === "FREQUENCY_CAP_EXCEEDED" || dec.reason_code === "MARKETING_LIMITED") && dec.resets_at)
    return Date.parse(dec.resets_at);
  if (dec.reason_code === "POLICY_RESTRICTION" && dec.opens_at) return Date.parse(dec.opens_at);
  return null;
}

/**
 * One batch of due `scheduled` messages: locked with SKIP LOCKED (replicas never take the same row),
 * compliance re-run at dispatch (quiet hours or the cap hold the message until they pass; any other denial
 * cancels it with its reason), marketing slots reserved under the customer row lock, rows → queued, audit,
 * then publish after commit. A cancelled campaign's leftover rows are cancelled, a paused one's are not due.
 */
export async function dispatchDueBatch(d: SchedulerDeps): Promise<DispatchReport> {
  const now = d.now ?? Date.now;
  const t = now();
  const empty = {
    queued: [] as Due[],
    slots: new Map<string, FrequencyReservation>(),
    cancels: [] as Outcome[],
    holds: [] as Hold[],
  };
  const result = await d.db.transaction().execute(async (trx) => {
    const due: Due[] = await trx
      .selectFrom("messages")
      .select([
        "id",
        "channel",
        "phone_number_id",
        "customer_id",
        "category",
        "kind",
        "content",
        "deliver_at",
        "campaign_id",
      ])
      .select(
        sql<string | null>`(SELECT c.status FROM campaigns c WHERE c.id = messages.campaign_id)`.as("campaign_status"),
      )
      .where("status", "=", "scheduled")
      .where("deliver_at", "<=", new Date(t))
      .where(NOT_PAUSED)
      .orderBy("deliver_at")
      .limit(d.batchSize ?? 200)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length === 0) return empty;
    const decisions: Decision[] = await Promise.all(due.map((r) => d.compliance.evaluate(decisionRequestOf(r))));
    const cancels: Outcome[] = [];
    const holds: Hold[] = [];
    const queued: Due[] = [];
    const slots = new Map<string, FrequencyReservation>();
    const caps = new Map<string, number>();
    // Customer order, like every other reservation: no deadlock between replicas or with the gateway.
    const order = due
      .map((r, i) => ({ r, dec: decisions[i]! }))
      .toSorted((a, b) => a.r.customer_id.localeCompare(b.r.customer_id));
    for (const { r, dec } of order) {
      if (r.campaign_status === "cancelled") {
        cancels.push({
          row: r,
          code: "campaign_cancelled",
          explanation: "Its campaign was cancelled before this held message could go, so it was not sent.",
        });
        continue;
      }
      if (!dec.allowed) {
        const until = holdUntil(dec);
        if (until !== null && until > t)
          holds.push({ row: r, code: dec.reason_code, explanation: dec.human_explanation, until });
        else cancels.push({ row: r, code: dec.reason_code, explanation: dec.human_explanation });
        continue;
      }
      if ((dec.category ?? r.category) === "marketing") {
        const cap = caps.get(r.channel) ?? (await d.compliance.capFor(r.channel));
        caps.set(r.channel, cap);
        const slot = await reserveFrequencySlot(trx, { customerId: r.customer_id, channel: r.channel, cap, now: t });
        if (!slot.ok) {
          holds.push({
            row: r,
            code: "FREQUENCY_CAP_EXCEEDED",
            until: slot.resetsAt,
            explanation: `The marketing cap of ${slot.cap} per 24 hours was reached at dispatch; held until a slot frees at ${new Date(slot.resetsAt).toISOString()}.`,
          });
          continue;
        }
        slots.set(r.id, slot);
        // Written now, so the next reservation for this customer in the batch counts it.
        await trx
          .updateTable("messages")
          .set({ counts_toward_cap: true, queued_at: new Date(t) })
          .where("id", "=", r.id)
          .execute();
      }
      queued.push(r);
    }
    if (queued.length) {
      await trx
        .updateTable("messages")
        .set({
          status: "queued",
          queued_at: new Date(t),
          status_reason: null,
          error_explanation: null,
          updated_at: sql`now()`,
        })
        .where(
          "id",
          "in",
          queued.map((r) => r.id),
        )
        .execute();
    }
    for (const c of cancels) {
      await trx
        .updateTable("messages")
        .set({
          status: "cancelled",
          cancelled_at: sql`now()`,
          status_reason: c.code,
          error_explanation: c.explanation,
          updated_at: sql`now()`,
        })
        .where("id", "=", c.row.id)
        .execute();
      await moveCampaignCounters(trx, c.row.campaign_id, "scheduled", "cancelled");
    }
    for (const h of holds) {
      await trx
        .updateTable("messages")
        .set({
          deliver_at: new Date(h.until),
          status_reason: h.code,
          error_explanation: h.explanation,
          updated_at: sql`now()`,
        })
        .where("id", "=", h.row.id)
        .execute();
    }
    const audit = [
      ...queued.map((r) => ({
        actor: "system" as const,
        action: "message.dispatched",
        subject_type: "message",
        subject_id: r.id,
        details: JSON.stringify({ deliver_at: r.deliver_at?.toISOString() ?? null, customer_id: r.customer_id }),
      })),
      ...cancels.map((c) => ({
        actor: "system" as const,
        action: "message.cancelled",
        subject_type: "message",
        subject_id: c.row.id,
        details: JSON.stringify({ reason_code: c.code, explanation: c.explanation, at: "dispatch" }),
      })),
      ...holds.map((h) => ({
        actor: "system" as const,
        action: "message.held",
        subject_type: "message",
        subject_id: h.row.id,
        details: JSON.stringify({
          reason_code: h.code,
          explanation: h.explanation,
          until: new Date(h.until).toISOString(),
        }),
      })),
    ];
    if (audit.length) await trx.insertInto("audit_logs").values(audit).execute();
    return { queued, slots, cancels, holds };
  });
  for (const [id, slot] of result.slots) {
    const r = result.queued.find((q) => q.id === id);
    if (r) await d.state.mirrorReservation({ customerId: r.customer_id, channel: r.channel }, slot, id).catch(() => {});
  }
  await publishAll(
    d.js,
    d.names,
    result.queued.map((r) => r.id),
    d.log,
    { timeoutMs: d.publishTimeoutMs },
  );
  const at = now();
  const latenessMs = result.queued.map((r) => Math.max(0, at - (r.deliver_at?.getTime() ?? at)));
  for (const l of latenessMs) d.metrics?.schedulerLateness.observe(l / 1000);
  if (result.cancels.length)
    d.log.info({ cancelled: result.cancels.length }, "scheduled messages cancelled at dispatch");
  if (result.holds.length)
    d.log.info({ held: result.holds.length }, "scheduled messages held (quiet hours or cap) until they may go");
  return { queued: result.queued.length, cancelled: result.cancels.length, held: result.holds.length, latenessMs };
}

/** When the next scheduled message falls due (epoch ms), or null. */
export async function nextDueAt(d: SchedulerDeps): Promise<number | null> {
  const r = await d.db
    .selectFrom("messages")
    .select((eb) => eb.fn.min("deliver_at").as("at"))
    .where("status", "=", "scheduled")
    .where(NOT_PAUSED)
    .executeTakeFirst();
  return r?.at ? new Date(r.at as Date).getTime() : null;
}

/**
 * Reads the state of customers whose messages fall due soon (before `horizonMs`), so that compliance at
 * dispatch answers from the warm Redis cache instead of Postgres: a cold batch of 200 costs ~3 reads each.
 * Read-only and best effort.
 */
export async function prewarmDue(d: SchedulerDeps, horizonMs: number, limit = 2000): Promise<number> {
  const now = (d.now ?? Date.now)();
  const rows = await d.db
    .selectFrom("messages")
    .select(["customer_id", "channel", "phone_number_id"])
    .where("status", "=", "scheduled")
    .where("deliver_at", ">", new Date(now))
    .where("deliver_at", "<=", new Date(now + horizonMs))
    .orderBy("deliver_at")
    .limit(limit)
    .execute();
  const keys = [...new Map(rows.map((r) => [`${r.channel}:${r.customer_id}:${r.phone_number_id}`, r])).values()];
  for (let i = 0; i < keys.length; i += 50) {
    await Promise.all(
      keys.slice(i, i + 50).map((k) =>
        d.state
          .getSnapshot({
            customerId: k.customer_id,
            channel: k.channel,
            ...(k.phone_number_id ? { phoneNumberId: k.phone_number_id } : {}),
          })
          .catch(() => null),
      ),
    );
  }
  return keys.length;
}
