import { createHash } from "node:crypto";
import { DEFAULT_OPT_IN_KEYWORDS, DEFAULT_OPT_OUT_KEYWORDS } from "@wa/config";
import { coalesce } from "@wa/coalesce";
import { type Executor, writeAudit } from "@wa/db";
import { parseWebhook, type StatusEvent, type UnknownEvent, type WebhookEvent } from "@wa/meta";
import { createStateStore } from "@wa/state";
import { consentFromSignal } from "./consent.js";
import { createKeywordMatcher } from "./keywords.js";
import { claimEvent, ledgerKey } from "./ledger.js";
import { applyInbound, customerOf, keyOf, type StateKey } from "./message.js";
import { type BodyRef, createParking, type Faults, failureOf } from "./parking.js";
import { type Route, routeEvent, type Routed } from "./routing.js";
import { noteSanitized, readJsonBody } from "./sanitize.js";
import type { StatusResult } from "./status.js";
import { applyStatuses, type StatusItem } from "./status-batch.js";
import { applyStatusInTransaction, needsTransaction } from "./status-tx.js";
import type { EventOutcome, ProcessReport, WebhookProcessorOptions } from "./types.js";
import {
  applyAccountUpdate,
  applyPhoneQuality,
  applyTemplateCategory,
  applyTemplateQuality,
  applyTemplateStatus,
} from "./waba.js";

export interface ProcessOptions {
  /** Events that could not be applied on enough attempts (deferred, failed) are parked instead of retried. */
  readonly final?: boolean;
}

type Changing = Exclude<WebhookEvent, StatusEvent | UnknownEvent>;
type Known = Exclude<WebhookEvent, UnknownEvent>;

/** The dead letter's error for a status from another number than its message's. */
const STATUS_NUMBER_MISMATCH =
  "STATUS_NUMBER_MISMATCH: the status's metadata.phone_number_id is not the number its message was sent from";
const refusalText = (r: Extract<Routed, { ok: false }>): string => `${r.code}: ${r.detail}`;

const metricKind = (ev: WebhookEvent): string => (ev.kind === "status" ? `status_${ev.status}` : ev.kind);
const bytesOf = (body: Uint8Array | string): Buffer =>
  typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body.buffer, body.byteOffset, body.byteLength);

export function createWebhookProcessor(opts: WebhookProcessorOptions) {
  const { db, log } = opts;
  const now = opts.now ?? Date.now;
  const keywords = createKeywordMatcher(
    opts.optOutKeywords ?? DEFAULT_OPT_OUT_KEYWORDS,
    opts.optInKeywords ?? DEFAULT_OPT_IN_KEYWORDS,
  );
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  // With accounts: keys name their number; one that does not (a consent change) means the default number.
  const defaultNumber = opts.accounts?.defaultNumber.phoneNumberId;
  const consentDeps = (t: number) => ({
    redis: opts.redis,
    keyPrefix: opts.keyPrefix,
    now: t,
    ...(defaultNumber ? { phoneNumberId: defaultNumber } : {}),
  });
  const statusEx = { db, pool: opts.pool, ...(defaultNumber ? { defaultNumber } : {}) };
  const { park, parkBody } = createParking({ db, log, metrics: opts.metrics });
  // The plain statuses of the bodies applied at once go in one statement (applyStatuses answers an error as a
  // result, never throws): a commit per body was most of the saturated receiver's competition for the cores.
  const applyPlain = coalesce((items: readonly StatusItem[]) => applyStatuses(statusEx, items, now()));

  /** The event's changes; runs inside its transaction after the ledger claim. Returns false when nothing changed. */
  async function change(
    tx: Executor,
    ev: Changing,
    route: Route,
    t: number,
    cacheKeys: StateKey[],
    sanitized: readonly string[],
    afterCommit: StateKey[],
  ): Promise<boolean> {
    const keys = (ids: readonly string[]) => ids.map((id) => keyOf(id, route));
    switch (ev.kind) {
      case "message": {
        cacheKeys.push(keyOf(ev.customerKey, route));
        const r = await applyInbound(tx, ev, route, { ...consentDeps(t), keywords, sanitized });
        if (!r) log.warn({ wamid: ev.wamid, kind: ev.kind }, "inbound message without a usable customer id");
        else {
          cacheKeys.push(keyOf(r.customerId, route));
          afterCommit.push(...keys(r.relinked));
        }
        return r !== null;
      }
      case "user_preference": {
        if (ev.category !== "marketing_messages" || !["stop", "resume"].includes(ev.value)) {
          log.warn({ category: ev.category, value: ev.value }, "user preference not understood");
          return false;
        }
        const who = await customerOf(tx, route.channel, ev.waId, ev.userId, ev.customerKey);
        if (!who) {
          log.warn({ kind: ev.kind }, "user preference without a usable customer id");
          return false;
        }
        cacheKeys.push(...keys([ev.customerKey, who.customerId]));
        afterCommit.push(...keys(who.relinked));
        const to = ev.value === "stop" ? "revoked" : "granted";
        const customer = { customerId: who.customerId, channel: route.channel };
        const r = await consentFromSignal(tx, consentDeps(t), customer, to, ev.timestamp ?? t, {
          source: "user_preferences",
          details: { value: ev.value, detail: ev.detail },
        });
        return r.changed;
      }
      case "template_status":
        return (await applyTemplateStatus(tx, ev, t)).updated;
      case "template_category":
        return (await applyTemplateCategory(tx, ev, t)).updated;
      case "template_quality":
        return (await applyTemplateQuality(tx, ev, t)).updated;
      case "phone_quality":
        return applyPhoneQuality(tx, ev, t, route);
      case "account_update":
        await applyAccountUpdate(tx, ev, t, route);
        return true;
      case "error":
        log.warn({ waba_id: ev.wabaId, errors: ev.errors }, "webhook reported errors");
        await writeAudit(tx, {
          actor: "webhook",
          action: "webhook.error",
          subjectType: "waba",
          subjectId: ev.wabaId,
          details: { errors: ev.errors },
        });
        return false;
    }
  }

  /** Counted like every applied event; a failure also by its code. */
  function countStatus(ev: StatusEvent, r: StatusResult): void {
    if (r.outcome !== "applied") return;
    opts.metrics?.webhookEvents.inc({ kind: metricKind(ev) });
    if (r.to === "failed" && r.from !== "failed")
      opts.metrics?.messagesFailed.inc({ code: String(r.failedCode ?? "unknown") });
  }

  /** Plain statuses of one body, set-based (status-batch.ts), with those of the bodies applied beside it. */
  async function applyPlainStatuses(
    evs: readonly StatusEvent[],
    faults: Faults,
  ): Promise<Array<EventOutcome | "mismatch">> {
    const items = evs.map((ev) => ({ ev, key: ledgerKey(ev.dedupKey) }));
    const results = await Promise.all(items.map(applyPlain));
    return results.map((r, i) => {
      const { ev, key } = items[i]!;
      if (r.outcome === "error")
        return failure(r.err, faults, { key, kind: ev.kind }, "webhook event failed; retried, then parked");
      countStatus(ev, r);
      return r.outcome;
    });
  }

  /** Applies one event exactly once: ledger claim and every change in one transaction. */
  async function applyEvent(
    ev: Known,
    route: Route,
    sanitized: readonly string[],
    faults: Faults,
  ): Promise<EventOutcome | "mismatch"> {
    const t = now();
    const key = ledgerKey(ev.dedupKey);
    const cacheKeys: StateKey[] = [];
    const afterCommit: StateKey[] = [];
    try {
      if (ev.kind === "status") {
        const r = await applyStatusInTransaction(statusEx, consentDeps(t), ev, route, key, sanitized, cacheKeys);
        await forgetCache(cacheKeys); // committed: the cached snapshot misses the limit or the revoke
        countStatus(ev, r);
        return r.outcome;
      }
      const outcome = await db.transaction().execute(async (trx): Promise<EventOutcome> => {
        if (!(await claimEvent(trx, key, ev.kind))) return "duplicate";
        const changed = await change(trx, ev, route, t, cacheKeys, sanitized, afterCommit);
        if (sanitized.length > 0) await noteSanitized(trx, ev, key, sanitized);
        return changed ? "applied" : "ignored";
      });
      // A link or merge changed whole customers: a reader may have cached the old rows before the commit.
      await forgetCache(afterCommit);
      if (outcome !== "duplicate") opts.metrics?.webhookEvents.inc({ kind: metricKind(ev) });
      if (outcome === "applied" && ev.kind === "message") notifyInbound(ev.customerKey, ev.wamid, route);
      return outcome;
    } catch (err) {
      await forgetCache(cacheKeys);
      return failure(err, faults, { key, kind: ev.kind }, "webhook event failed; retried, then parked");
    }
  }

  // A listener's fault must not fail an event that is already committed.
  function notifyInbound(customerId: string, wamid: string, route: Route): void {
    try {
      opts.onInbound?.({
        customerId,
        wamid,
        channel: route.channel,
        ...(route.number ? { phoneNumberId: route.number.phoneNumberId } : {}),
      });
    } catch (err) {
      log.warn({ err, wamid }, "inbound notification failed");
    }
  }

  const failure = (err: unknown, faults: Faults, where: Record<string, unknown>, msg: string) =>
    failureOf(log, err, faults, where, msg);

  // The state store writes its Redis cache before our transaction commits; after a rollback, drop it.
  async function forgetCache(cacheKeys: readonly StateKey[]): Promise<void> {
    if (!opts.redis || cacheKeys.length === 0) return;
    const store = createStateStore({ db, redis: opts.redis, keyPrefix: opts.keyPrefix, phoneNumberId: defaultNumber });
    await store.invalidateMany(cacheKeys).catch(() => {});
  }

  /**
   * One raw webhook body (as signed by Meta): every event applied in order, each in its own transaction.
   * Unknown and malformed events are poison: parked at once with the body's bytes. Never throws for any body.
   */
  async function processBody(body: Uint8Array | string, popts: ProcessOptions = {}): Promise<ProcessReport> {
    const bytes = bytesOf(body);
    const ref: BodyRef = { sha256: createHash("sha256").update(bytes).digest("hex"), bytes };
    const outcomes: Record<EventOutcome, number> = {
      applied: 0,
      duplicate: 0,
      ignored: 0,
      deferred: 0,
      failed: 0,
      unavailable: 0,
      parked: 0,
    };
    const faults: Faults = {};
    const report = (events: number): ProcessReport => ({
      events,
      outcomes,
      pending: outcomes.deferred + outcomes.failed + outcomes.unavailable,
      ...(faults.first ? { fault: faults.first } : {}),
    });
    const read = readJsonBody(bytes.toString("utf8"));
    const r = read.ok ? parseWebhook(read.value) : read;
    if (!read.ok || !r.ok) {
      outcomes[await parkBody(ref, r.ok ? "unreadable" : r.error, faults)] += 1;
      return report(0);
    }
    const notesOf = read.notesOf;
    const toPark: Array<[WebhookEvent, EventOutcome]> = [];
    const parkNow = (ev: WebhookEvent, why: string) => park(ev, why, ref, notesOf(ev.raw), faults);
    const settle = async (ev: WebhookEvent, o: EventOutcome | "mismatch"): Promise<void> => {
      if (o === "mismatch") outcomes[await parkNow(ev, STATUS_NUMBER_MISMATCH)] += 1;
      else if ((o === "deferred" || o === "failed") && popts.final) toPark.push([ev, o]);
      else outcomes[o] += 1;
    };
    // Every event is routed first (its number or WABA); one that is not ours is parked with the reason, never
    // applied to another business.
    const one = async (ev: WebhookEvent): Promise<EventOutcome | "mismatch"> => {
      if (ev.kind === "unknown") return parkNow(ev, ev.reason);
      let routed: Routed;
      try {
        routed = await routeEvent(db, opts.accounts, ev);
      } catch (err) {
        return failure(err, faults, { kind: ev.kind }, "webhook event could not be routed; retried, then parked");
      }
      if (!routed.ok) return parkNow(ev, refusalText(routed));
      return applyEvent(ev, routed.route, notesOf(ev.raw), faults);
    };
    // Statuses are order-free (ranks, earliest times, row locks): the plain ones in one statement, those that
    // need a transaction a few at a time. Other events keep the body's order: a number's or account's updates
    // have no per-row event time to compare. A status routes by its number alone (no query); one that is not
    // ours goes with the others, to be parked.
    const plain: StatusEvent[] = [];
    const special: StatusEvent[] = [];
    const refused = new Set<WebhookEvent>();
    for (const ev of r.events) {
      if (ev.kind !== "status") continue;
      if (!(await routeEvent(db, opts.accounts, ev)).ok) refused.add(ev);
      else (needsTransaction(ev, notesOf(ev.raw)) ? special : plain).push(ev);
    }
    const batch = async (): Promise<void> => {
      if (plain.length === 0) return;
      const out = await applyPlainStatuses(plain, faults);
      for (const [i, ev] of plain.entries()) await settle(ev, out[i]!);
    };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < special.length) {
        const ev = special[next++]!;
        await settle(ev, await one(ev));
      }
    };
    const others = async (): Promise<void> => {
      for (const ev of r.events) if (ev.kind !== "status" || refused.has(ev)) await settle(ev, await one(ev));
    };
    await Promise.all([others(), batch(), ...Array.from({ length: Math.min(concurrency, special.length) }, worker)]);
    for (const [ev, o] of toPark) {
      const why = o === "deferred" ? "no matching message after every retry" : "apply failed on every retry";
      outcomes[await park(ev, why, ref, notesOf(ev.raw), faults)] += 1;
    }
    return report(r.events.length);
  }

  return { processBody };
}

export type WebhookProcessor = ReturnType<typeof createWebhookProcessor>;
