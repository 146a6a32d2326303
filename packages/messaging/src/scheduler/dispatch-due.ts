import { recordCampaignMessageStatus } from "@wa/campaigns";
import type { Decision } from "@wa/compliance";
import type { MessageRow } from "@wa/db";
import { reserveFrequencySlot, type FrequencyReservation } from "@wa/state";
import { sql } from "kysely";
import { decisionRequestOf } from "../retry-failed.js";
import { publishAll } from "./publish-all.js";
import type { SchedulerDeps } from "./types.js";

export interface DispatchReport {
  readonly queued: number;
  readonly cancelled: number;
  readonly latenessMs: readonly number[]; // dispatch time − deliver_at of each queued message
}

type Due = Pick<MessageRow, "id" | "channel" | "customer_id" | "category" | "kind" | "content" | "deliver_at" | "campaign_id">;
interface Cancel { readonly row: Due; readonly code: string; readonly explanation: string }

/**
 * One batch of due `scheduled` messages: locked with SKIP LOCKED (replicas never take the same row),
 * compliance re-run at dispatch (a denial cancels the message with its reason), marketing slots reserved
 * under the customer row lock, rows → queued, audit, then publish after commit.
 */
export async function dispatchDueBatch(d: SchedulerDeps): Promise<DispatchReport> {
  const now = d.now ?? Date.now;
  const t = now();
  const result = await d.db.transaction().execute(async (trx) => {
    const due = await trx.selectFrom("messages")
      .select(["id", "channel", "customer_id", "category", "kind", "content", "deliver_at", "campaign_id"])
      .where("status", "=", "scheduled").where("deliver_at", "<=", new Date(t))
      .orderBy("deliver_at").limit(d.batchSize ?? 200).forUpdate().skipLocked().execute();
    if (due.length === 0) return { queued: [] as Due[], slots: new Map<string, FrequencyReservation>(), cancels: [] as Cancel[] };
    const decisions: Decision[] = await Promise.all(due.map((r) => d.compliance.evaluate(decisionRequestOf(r))));
    const cancels: Cancel[] = [];
    const queued: Due[] = [];
    const slots = new Map<string, FrequencyReservation>();
    const caps = new Map<string, number>();
    // Customer order, like every other reservation: no deadlock between replicas or with the gateway.
    const order = due.map((r, i) => ({ r, dec: decisions[i]! })).toSorted((a, b) => a.r.customer_id.localeCompare(b.r.customer_id));
    for (const { r, dec } of order) {
      if (!dec.allowed) {
        cancels.push({ row: r, code: dec.reason_code ?? "INVALID_ARGUMENT", explanation: dec.human_explanation });
        continue;
      }
      if ((dec.category ?? r.category) === "marketing") {
        const cap = caps.get(r.channel) ?? (await d.compliance.capFor(r.channel));
        caps.set(r.channel, cap);
        const slot = await reserveFrequencySlot(trx, { customerId: r.customer_id, channel: r.channel, cap, now: t });
        if (!slot.ok) {
          cancels.push({ row: r, code: "FREQUENCY_CAP_EXCEEDED", explanation: `The marketing cap of ${slot.cap} per 24 hours was reached at dispatch; a slot frees at ${new Date(slot.resetsAt).toISOString()}.` });
          continue;
        }
        slots.set(r.id, slot);
        // Written now, so the next reservation for this customer in the batch counts it.
        await trx.updateTable("messages").set({ counts_toward_cap: true, queued_at: new Date(t) }).where("id", "=", r.id).execute();
      }
      queued.push(r);
    }
    if (queued.length) {
      await trx.updateTable("messages")
        .set({ status: "queued", queued_at: new Date(t), updated_at: sql`now()` })
        .where("id", "in", queued.map((r) => r.id)).execute();
    }
    for (const c of cancels) {
      await trx.updateTable("messages")
        .set({ status: "cancelled", cancelled_at: sql`now()`, status_reason: c.code, error_explanation: c.explanation, updated_at: sql`now()` })
        .where("id", "=", c.row.id).execute();
      if (c.row.campaign_id) await recordCampaignMessageStatus(trx, c.row.campaign_id, "scheduled", "cancelled");
    }
    const audit = [
      ...queued.map((r) => ({ actor: "system" as const, action: "message.dispatched", subject_type: "message", subject_id: r.id, details: JSON.stringify({ deliver_at: r.deliver_at?.toISOString() ?? null, customer_id: r.customer_id }) })),
      ...cancels.map((c) => ({ actor: "system" as const, action: "message.cancelled", subject_type: "message", subject_id: c.row.id, details: JSON.stringify({ reason_code: c.code, explanation: c.explanation, at: "dispatch" }) })),
    ];
    if (audit.length) await trx.insertInto("audit_logs").values(audit).execute();
    return { queued, slots, cancels };
  });
  for (const [id, slot] of result.slots) {
    const r = result.queued.find((q) => q.id === id);
    if (r) await d.state.mirrorReservation({ customerId: r.customer_id, channel: r.channel }, slot, id).catch(() => {});
  }
  await publishAll(d.js, d.names, result.queued.map((r) => r.id), d.log, { timeoutMs: d.publishTimeoutMs });
  const at = now();
  const latenessMs = result.queued.map((r) => Math.max(0, at - (r.deliver_at?.getTime() ?? at)));
  for (const l of latenessMs) d.metrics?.schedulerLateness.observe(l / 1000);
  if (result.cancels.length) d.log.info({ cancelled: result.cancels.length }, "scheduled messages cancelled at dispatch");
  return { queued: result.queued.length, cancelled: result.cancels.length, latenessMs };
}

/** When the next scheduled message falls due (epoch ms), or null. */
export async function nextDueAt(d: SchedulerDeps): Promise<number | null> {
  const r = await d.db.selectFrom("messages").select((eb) => eb.fn.min("deliver_at").as("at")).where("status", "=", "scheduled").executeTakeFirst();
  return r?.at ? new Date(r.at as Date).getTime() : null;
}

/**
 * Reads the state of customers whose messages fall due soon (before `horizonMs`), so that compliance at
 * dispatch answers from the warm Redis cache instead of Postgres: a cold batch of 200 costs ~3 reads each.
 * Read-only and best effort.
 */
export async function prewarmDue(d: SchedulerDeps, horizonMs: number, limit = 2000): Promise<number> {
  const now = (d.now ?? Date.now)();
  const rows = await d.db.selectFrom("messages").select(["customer_id", "channel"])
    .where("status", "=", "scheduled").where("deliver_at", ">", new Date(now)).where("deliver_at", "<=", new Date(now + horizonMs))
    .orderBy("deliver_at").limit(limit).execute();
  const keys = [...new Map(rows.map((r) => [`${r.channel}:${r.customer_id}`, r])).values()];
  for (let i = 0; i < keys.length; i += 50) {
    await Promise.all(keys.slice(i, i + 50).map((k) => d.state.getSnapshot({ customerId: k.customer_id, channel: k.channel }).catch(() => null)));
  }
  return keys.length;
}
