import { publishOutbound, type BusNames, type JetStreamClient } from "@wa/bus";
import { decide, marketingCap, type ConsentMode, type Decision, type DecideOptions, type MessageCategory } from "@wa/compliance";
import type { Db, NewMessageRow } from "@wa/db";
import type { LogLike } from "@wa/observability";
import type { StateStore } from "@wa/state";
import type { OnMessagesCancelled } from "../cancel-messages.js";
import type { CampaignSend, EnqueueBatch, PageOutcome, RecipientOutcome } from "../recipient.js";
import { CAMPAIGN_LEVEL_CODES, skipReasonFor } from "../skip-reasons.js";
import type { Clock } from "../types.js";
import { loadBulkFacts, slotsOf, type SlotRow } from "./facts.js";

const CHUNK = 500; // rows per transaction

export interface CampaignSendPathOptions {
  readonly db: Db;
  readonly js: JetStreamClient;
  readonly names: BusNames;
  readonly state?: StateStore; // mirrors reserved frequency slots into Redis, drops them on cancel
  readonly log: LogLike;
  readonly quietHours: "hold" | "skip"; // QUIET_HOURS_MODE
  readonly consentMode?: ConsentMode;
  readonly defaultCap?: number; // MARKETING_DAILY_CAP
  readonly defaultTimezone?: string;
  readonly now?: Clock;
  readonly onDecision?: (d: Decision) => void; // e.g. wa_compliance_decisions_total
}

interface Plan {
  readonly send: CampaignSend;
  readonly customerId: string;
  readonly category: MessageCategory;
  readonly holdUntil: string | null;
}

/**
 * The send path for a page of one campaign: compliance (the engine's pure decide() over facts read in
 * bulk), then one transaction per 500 recipients (exact frequency slots under row locks, rows, audit
 * entries), then publish. Same steps and rules as a single send; a per-recipient path costs ~9 ms of
 * round trips each, which cannot reach 100k recipients a minute.
 */
export function createCampaignSendPath(opts: CampaignSendPathOptions): { enqueueBatch: EnqueueBatch; onMessagesCancelled: OnMessagesCancelled } {
  const clock = opts.now ?? Date.now;
  const options: DecideOptions = { consentMode: opts.consentMode ?? "explicit", defaultCap: opts.defaultCap ?? 2, defaultTimezone: opts.defaultTimezone ?? "UTC" };

  async function chunk(sends: readonly CampaignSend[]): Promise<RecipientOutcome[]> {
    const { db } = opts;
    const t = clock();
    const first = sends[0]!;
    const prior = new Map((await db.selectFrom("messages").select(["id", "status", "idempotency_key"]).where("idempotency_key", "in", sends.map((s) => s.idempotencyKey)).execute()).map((m) => [m.idempotency_key, m]));
    const facts = await loadBulkFacts(db, first.channel, sends.filter((s) => !prior.has(s.idempotencyKey)).map((s) => s.customerId), { name: first.templateName, locale: first.locale }, t);
    const out: (RecipientOutcome | Plan)[] = [];
    for (const s of sends) {
      const p = prior.get(s.idempotencyKey);
      if (p) {
        out.push({ kind: "enqueued", messageId: p.id, held: p.status === "scheduled", created: false });
        continue;
      }
      const c = facts.customers.get(s.customerId) ?? null;
      const d = decide(
        { now: t, customer: c, window: { lastInboundAt: c?.lastInboundAt ?? null, expiresAt: c?.lastInboundAt ? c.lastInboundAt + 86_400_000 : null }, sentAt: (facts.slots.get(s.customerId) ?? []).map((x) => x.at), template: facts.template, policies: facts.policies },
        { customer_id: s.customerId, message_type: "template", template_name: s.templateName, locale: s.locale, variables: s.variables ?? [], channel: s.channel },
        options,
      );
      opts.onDecision?.(d);
      const hold = holdUntil(d);
      if (d.allowed || hold) {
        out.push({ send: s, customerId: d.customer_id ?? s.customerId, category: d.category ?? s.category, holdUntil: hold });
        continue;
      }
      const code = d.reason_code ?? "INVALID_ARGUMENT";
      if (CAMPAIGN_LEVEL_CODES.includes(code) || code === "INVALID_ARGUMENT") {
        out.push({ kind: "halt", reasonCode: code, explanation: d.human_explanation });
        break; // the campaign cannot send: nothing after this recipient is written
      }
      out.push({ kind: "skipped", reason: skipReasonFor(code, d.opens_at ? "time_restriction" : "segment_exclusion"), reasonCode: code });
    }
    const plans = out.filter((o): o is Plan => "send" in o);
    const written = plans.length ? await write(plans, facts.policies, t) : new Map<string, RecipientOutcome>();
    return out.map((o) => ("send" in o ? written.get(o.send.idempotencyKey)! : o));
  }

  function holdUntil(d: Decision): string | null {
    const onlyQuietHours = d.reason_code === "POLICY_RESTRICTION" && d.opens_at && d.checks.filter((c) => !c.passed).length === 1;
    return opts.quietHours === "hold" && onlyQuietHours ? (d.opens_at ?? null) : null;
  }

  async function write(plans: readonly Plan[], policies: Parameters<typeof marketingCap>[0], t: number): Promise<Map<string, RecipientOutcome>> {
    const result = new Map<string, RecipientOutcome>();
    const channel = plans[0]!.send.channel;
    const reserved = new Map<string, readonly SlotRow[]>(); // customer → slots held before this message
    const inserted = await opts.db.transaction().execute(async (trx) => {
      const capped = plans.filter((p) => p.category === "marketing" && !p.holdUntil).map((p) => p.customerId).toSorted();
      if (capped.length) {
        // Same lock as @wa/state reserveFrequencySlot (customer rows, FOR UPDATE), in one order: no deadlock.
        await trx.selectFrom("customers").select("id").where("channel", "=", channel).where("customer_id", "in", capped).orderBy("customer_id").forUpdate().execute();
        const held = await slotsOf(trx, channel, capped, t);
        const { cap } = marketingCap(policies, channel, options.defaultCap);
        for (const c of capped) if ((held.get(c)?.length ?? 0) < cap) reserved.set(c, held.get(c) ?? []);
      }
      const rows: NewMessageRow[] = [];
      for (const p of plans) {
        const slot = p.category === "marketing" && !p.holdUntil;
        if (slot && !reserved.has(p.customerId)) {
          result.set(p.send.idempotencyKey, { kind: "skipped", reason: "frequency_capped", reasonCode: "FREQUENCY_CAP_EXCEEDED" });
          continue;
        }
        rows.push(rowOf(p, slot, t));
      }
      if (rows.length === 0) return [];
      const ins = await trx.insertInto("messages").values(rows).onConflict((oc) => oc.column("idempotency_key").doNothing()).returning(["id", "idempotency_key", "status", "customer_id"]).execute();
      if (ins.length) {
        await trx.insertInto("audit_logs").values(ins.map((m) => ({
          actor: "system" as const, action: m.status === "scheduled" ? "message.scheduled" : "message.queued", subject_type: "message", subject_id: m.id,
          details: JSON.stringify({ campaign_id: plans[0]!.send.campaignId, customer_id: m.customer_id, template_name: plans[0]!.send.templateName }),
        }))).execute();
      }
      return ins;
    });
    for (const m of inserted) result.set(m.idempotency_key!, { kind: "enqueued", messageId: m.id, held: m.status === "scheduled", created: true });
    const raced = plans.filter((p) => !result.has(p.send.idempotencyKey)).map((p) => p.send.idempotencyKey);
    if (raced.length) {
      for (const m of await opts.db.selectFrom("messages").select(["id", "status", "idempotency_key"]).where("idempotency_key", "in", raced).execute()) {
        result.set(m.idempotency_key!, { kind: "enqueued", messageId: m.id, held: m.status === "scheduled", created: false });
      }
    }
    await afterCommit(inserted, reserved, channel, t);
    return result;
  }

  async function afterCommit(rows: readonly { id: string; status: string; customer_id: string }[], reserved: ReadonlyMap<string, readonly SlotRow[]>, channel: string, t: number): Promise<void> {
    const mirrors = opts.state
      ? rows.filter((r) => reserved.has(r.customer_id) && r.status === "queued").map((r) => {
          const entries = reserved.get(r.customer_id) ?? [];
          return opts.state!.mirrorReservation({ customerId: r.customer_id, channel }, { ok: true, at: t, count: entries.length + 1, entries }, r.id).catch(() => {});
        })
      : [];
    // NATS down: rows stay queued and the scheduler's reconciler republishes them.
    let failed = 0;
    const publishes = rows.filter((r) => r.status === "queued").map((r) => publishOutbound(opts.js, opts.names, { message_id: r.id }).catch(() => void failed++));
    await Promise.all([...mirrors, ...publishes]);
    if (failed) opts.log.warn({ failed }, "outbound publish failed; rows left queued for the reconciler");
  }

  const enqueueBatch: EnqueueBatch = async (sends, onProgress): Promise<PageOutcome> => {
    const handled: RecipientOutcome[] = [];
    try {
      for (let i = 0; i < sends.length; i += CHUNK) {
        const part = await chunk(sends.slice(i, i + CHUNK));
        const halt = part.find((o) => o.kind === "halt");
        handled.push(...part.filter((o) => o.kind !== "halt"));
        if (halt?.kind === "halt") return { handled, stop: { kind: "halt", outcome: halt } };
        onProgress();
      }
      return { handled, stop: null };
    } catch (error) {
      return { handled, stop: { kind: "fault", error } };
    }
  };

  const onMessagesCancelled: OnMessagesCancelled = async (msgs) => {
    if (!opts.state) return;
    await Promise.all(msgs.filter((m) => m.heldSlot).map((m) => opts.state!.invalidate({ customerId: m.customerId, channel: m.channel }).catch(() => {})));
  };
  return { enqueueBatch, onMessagesCancelled };
}

function rowOf(p: Plan, slot: boolean, t: number): NewMessageRow {
  const s = p.send;
  return {
    channel: s.channel, customer_id: p.customerId, direction: "outbound", category: p.category, kind: "template",
    content: JSON.stringify({ type: "template", template_name: s.templateName, locale: s.locale, variables: s.variables ?? [] }),
    template_name: s.templateName, template_locale: s.locale, status: p.holdUntil ? "scheduled" : "queued",
    deliver_at: p.holdUntil ? new Date(p.holdUntil) : null, campaign_id: s.campaignId, idempotency_key: s.idempotencyKey,
    counts_toward_cap: slot, queued_at: p.holdUntil ? null : new Date(t),
  };
}
