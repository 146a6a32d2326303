import { createHash } from "node:crypto";
import { DEFAULT_OPT_IN_KEYWORDS, DEFAULT_OPT_OUT_KEYWORDS } from "@wa/config";
import { type Executor, isDbUnavailable, writeAudit } from "@wa/db";
import { parseWebhook, type StatusEvent, type UnknownEvent, type WebhookEvent } from "@wa/meta";
import { createStateStore } from "@wa/state";
import { consentFromSignal } from "./consent.js";
import { createKeywordMatcher } from "./keywords.js";
import { claimEvent, ledgerKey } from "./ledger.js";
import { applyInbound, customerOf } from "./message.js";
import { noteSanitized, readJsonBody } from "./sanitize.js";
import type { StatusResult } from "./status.js";
import { applyStatuses } from "./status-batch.js";
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

/** The signed bytes of one body, kept with every dead letter it produces. */
interface BodyRef {
  readonly sha256: string;
  readonly bytes: Buffer;
}

/** Per-body bookkeeping: the first "Postgres unreachable" fault, handed to the consumer to retry and log once. */
interface Faults {
  first?: unknown;
}

type Changing = Exclude<WebhookEvent, StatusEvent | UnknownEvent>;

const metricKind = (ev: WebhookEvent): string => (ev.kind === "status" ? `status_${ev.status}` : ev.kind);
const bytesOf = (body: Uint8Array | string): Buffer =>
  typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body.buffer, body.byteOffset, body.byteLength);

/** The signed bytes, once per body, next to its dead letters. */
async function keepBody(tx: Executor, body: BodyRef): Promise<void> {
  await tx
    .insertInto("webhook_dead_bodies")
    .values({ body_sha256: body.sha256, body: body.bytes })
    .onConflict((oc) => oc.column("body_sha256").doNothing())
    .execute();
}

export function createWebhookProcessor(opts: WebhookProcessorOptions) {
  const { db, log } = opts;
  const now = opts.now ?? Date.now;
  const keywords = createKeywordMatcher(
    opts.optOutKeywords ?? DEFAULT_OPT_OUT_KEYWORDS,
    opts.optInKeywords ?? DEFAULT_OPT_IN_KEYWORDS,
  );
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const consentDeps = (t: number) => ({ redis: opts.redis, keyPrefix: opts.keyPrefix, now: t });

  /** The event's changes; runs inside its transaction after the ledger claim. Returns false when nothing changed. */
  async function change(
    tx: Executor,
    ev: Changing,
    t: number,
    cacheKeys: string[],
    sanitized: readonly string[],
    afterCommit: string[],
  ): Promise<boolean> {
    switch (ev.kind) {
      case "message": {
        cacheKeys.push(ev.customerKey);
        const r = await applyInbound(tx, ev, { ...consentDeps(t), keywords, sanitized });
        if (!r) log.warn({ wamid: ev.wamid, kind: ev.kind }, "inbound message without a usable customer id");
        else {
          cacheKeys.push(r.customerId);
          afterCommit.push(...r.relinked);
        }
        return r !== null;
      }
      case "user_preference": {
        if (ev.category !== "marketing_messages" || !["stop", "resume"].includes(ev.value)) {
          log.warn({ category: ev.category, value: ev.value }, "user preference not understood");
          return false;
        }
        const who = await customerOf(tx, ev.waId, ev.userId, ev.customerKey);
        if (!who) {
          log.warn({ kind: ev.kind }, "user preference without a usable customer id");
          return false;
        }
        cacheKeys.push(ev.customerKey, who.customerId);
        afterCommit.push(...who.relinked);
        const to = ev.value === "stop" ? "revoked" : "granted";
        const r = await consentFromSignal(tx, consentDeps(t), who.customerId, to, ev.timestamp ?? t, {
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
        return applyPhoneQuality(tx, ev, t);
      case "account_update":
        await applyAccountUpdate(tx, ev);
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

  /** Plain statuses of one body, set-based (status-batch.ts): one statement when every wamid differs. */
  async function applyPlainStatuses(evs: readonly StatusEvent[], faults: Faults): Promise<EventOutcome[]> {
    const items = evs.map((ev) => ({ ev, key: ledgerKey(ev.dedupKey) }));
    const results = await applyStatuses({ db, pool: opts.pool }, items, now());
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
    ev: Exclude<WebhookEvent, UnknownEvent>,
    sanitized: readonly string[],
    faults: Faults,
  ): Promise<EventOutcome> {
    const t = now();
    const key = ledgerKey(ev.dedupKey);
    const cacheKeys: string[] = [];
    const afterCommit: string[] = [];
    try {
      if (ev.kind === "status") {
        const r = await applyStatusInTransaction(db, consentDeps(t), ev, key, sanitized, cacheKeys);
        await forgetCache(cacheKeys); // committed: the cached snapshot misses the limit or the revoke
        countStatus(ev, r);
        return r.outcome;
      }
      const outcome = await db.transaction().execute(async (trx): Promise<EventOutcome> => {
        if (!(await claimEvent(trx, key, ev.kind))) return "duplicate";
        const changed = await change(trx, ev, t, cacheKeys, sanitized, afterCommit);
        if (sanitized.length > 0) await noteSanitized(trx, ev, key, sanitized);
        return changed ? "applied" : "ignored";
      });
      // A link or merge changed whole customers: a reader may have cached the old rows before the commit.
      await forgetCache(afterCommit);
      if (outcome !== "duplicate") opts.metrics?.webhookEvents.inc({ kind: metricKind(ev) });
      if (outcome === "applied" && ev.kind === "message") notifyInbound(ev.customerKey, ev.wamid);
      return outcome;
    } catch (err) {
      await forgetCache(cacheKeys);
      return failure(err, faults, { key, kind: ev.kind }, "webhook event failed; retried, then parked");
    }
  }

  // A listener's fault must not fail an event that is already committed.
  function notifyInbound(customerId: string, wamid: string): void {
    try {
      opts.onInbound?.({ customerId, wamid });
    } catch (err) {
      log.warn({ err, wamid }, "inbound notification failed");
    }
  }

  /** Postgres unreachable: retried for as long as it takes, logged once by the consumer. Anything else: poison. */
  function failure(
    err: unknown,
    faults: Faults,
    where: Record<string, unknown>,
    msg: string,
  ): "unavailable" | "failed" {
    if (isDbUnavailable(err)) {
      faults.first ??= err;
      return "unavailable";
    }
    log.warn({ err, ...where }, msg);
    return "failed";
  }

  // The state store writes its Redis cache before our transaction commits; after a rollback, drop it.
  async function forgetCache(cacheKeys: readonly string[]): Promise<void> {
    if (!opts.redis || cacheKeys.length === 0) return;
    const store = createStateStore({ db, redis: opts.redis, keyPrefix: opts.keyPrefix });
    for (const customerId of cacheKeys) await store.invalidate({ customerId }).catch(() => {});
  }

  /**
   * Dead letter, in one transaction: the signed bytes of the body (once per body), the event as parsed, its
   * error and a ledger row, so it is neither lost nor retried forever. Should the event itself not be storable,
   * the row is written without it: the bytes are what matters.
   */
  async function park(
    ev: WebhookEvent,
    why: string,
    body: BodyRef,
    sanitized: readonly string[],
    faults: Faults,
  ): Promise<EventOutcome> {
    // An unknown event's key is a digest of its content; once sanitized, two different bodies could share it.
    const key = ledgerKey(
      ev.kind === "unknown" && sanitized.length > 0 ? `${ev.dedupKey}:body:${body.sha256.slice(0, 16)}` : ev.dedupKey,
    );
    const write = (event: string | null) =>
      db.transaction().execute(async (trx) => {
        if (!(await claimEvent(trx, key, `dead:${ev.kind}`))) return false;
        await keepBody(trx, body);
        await trx
          .insertInto("webhook_dead_letters")
          .values({
            event_key: key,
            kind: ev.kind,
            error: why,
            event,
            body_sha256: body.sha256,
            sanitized: sanitized.length ? JSON.stringify(sanitized) : null,
          })
          .onConflict((oc) => oc.column("event_key").doNothing())
          .execute();
        await writeAudit(trx, {
          actor: "webhook",
          action: "webhook.dead_letter",
          subjectType: "webhook_event",
          subjectId: key,
          details: { kind: ev.kind, error: why, body_sha256: body.sha256 },
        });
        return true;
      });
    let parked: boolean;
    try {
      parked = await write(JSON.stringify(ev.raw ?? {}));
    } catch (err) {
      if (isDbUnavailable(err)) return failure(err, faults, {}, "");
      log.warn({ err, key, kind: ev.kind }, "dead letter refused the parsed event; keeping the raw bytes only");
      try {
        parked = await write(null);
      } catch (again) {
        return failure(again, faults, { key, kind: ev.kind }, "dead letter could not be written; retried");
      }
    }
    if (!parked) return "duplicate";
    opts.metrics?.webhookEvents.inc({ kind: "dead_letter" });
    log.error({ key, kind: ev.kind, why, body_sha256: body.sha256 }, "webhook event parked in the dead letter");
    return "parked";
  }

  /** A body that is not a WhatsApp envelope (the receiver checks, so only a signed oddity gets here). */
  async function parkBody(body: BodyRef, why: string, faults: Faults): Promise<EventOutcome> {
    try {
      await db.transaction().execute(async (trx) => {
        await keepBody(trx, body);
        await trx
          .insertInto("webhook_dead_letters")
          .values({ event_key: `body:${body.sha256}`, kind: "body", error: why, event: null, body_sha256: body.sha256 })
          .onConflict((oc) => oc.column("event_key").doNothing())
          .execute();
        await writeAudit(trx, {
          actor: "webhook",
          action: "webhook.dead_letter",
          subjectType: "webhook_body",
          subjectId: body.sha256,
          details: { error: why },
        });
      });
    } catch (err) {
      return failure(err, faults, { body_sha256: body.sha256 }, "webhook body could not be parked; retried");
    }
    opts.metrics?.webhookEvents.inc({ kind: "dead_letter" });
    log.error({ body_sha256: body.sha256, why }, "webhook body parked in the dead letter");
    return "parked";
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
    const settle = (ev: WebhookEvent, o: EventOutcome): void => {
      if ((o === "deferred" || o === "failed") && popts.final) toPark.push([ev, o]);
      else outcomes[o] += 1;
    };
    const one = (ev: WebhookEvent): Promise<EventOutcome> =>
      ev.kind === "unknown"
        ? park(ev, ev.reason, ref, notesOf(ev.raw), faults)
        : applyEvent(ev, notesOf(ev.raw), faults);
    // Statuses are order-free (ranks, earliest times, row locks): the plain ones in one statement, those that
    // need a transaction a few at a time. Other events keep the body's order: a number's or account's updates
    // have no per-row event time to compare.
    const statuses = r.events.filter((e) => e.kind === "status");
    const plain: StatusEvent[] = [];
    const special: StatusEvent[] = [];
    for (const ev of statuses) (needsTransaction(ev, notesOf(ev.raw)) ? special : plain).push(ev);
    const batch = async (): Promise<void> => {
      if (plain.length === 0) return;
      const out = await applyPlainStatuses(plain, faults);
      plain.forEach((ev, i) => settle(ev, out[i]!));
    };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < special.length) {
        const ev = special[next++]!;
        settle(ev, await one(ev));
      }
    };
    const others = async (): Promise<void> => {
      for (const ev of r.events) if (ev.kind !== "status") settle(ev, await one(ev));
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
