import { createHash } from "node:crypto";
import { type Database, writeAudit } from "@wa/db";
import { explainMetaError, parseWebhook, type WebhookEvent } from "@wa/meta";
import type { Kysely } from "kysely";
import { createStateStore } from "@wa/state";
import { consentFromSignal, META_OPT_OUT_SOURCE } from "./consent.js";
import { DEFAULT_OPT_IN_KEYWORDS_FALLBACK, DEFAULT_OPT_OUT_KEYWORDS_FALLBACK } from "./defaults.js";
import { createKeywordMatcher } from "./keywords.js";
import { claimEvent } from "./ledger.js";
import { applyInbound } from "./message.js";
import { scopedTo } from "./scoped-db.js";
import { applyStatus } from "./status.js";
import { type EventOutcome, type ProcessReport, type WebhookProcessorOptions } from "./types.js";
import {
  applyAccountUpdate, applyPhoneQuality, applyTemplateCategory, applyTemplateQuality, applyTemplateStatus,
} from "./waba.js";

export interface ProcessOptions {
  /** The last delivery attempt: events that still cannot be applied are parked instead of retried. */
  readonly final?: boolean;
}

const metricKind = (ev: WebhookEvent): string => (ev.kind === "status" ? `status_${ev.status}` : ev.kind);

export function createWebhookProcessor(opts: WebhookProcessorOptions) {
  const { db, log } = opts;
  const now = opts.now ?? Date.now;
  const keywords = createKeywordMatcher(
    opts.optOutKeywords ?? DEFAULT_OPT_OUT_KEYWORDS_FALLBACK,
    opts.optInKeywords ?? DEFAULT_OPT_IN_KEYWORDS_FALLBACK,
  );
  const concurrency = Math.max(1, opts.concurrency ?? 4);

  /** The event's changes; runs inside its transaction after the ledger claim. Returns false when nothing changed. */
  async function change(tx: Kysely<Database>, ev: WebhookEvent, t: number, cacheKeys: string[]): Promise<boolean> {
    const deps = { redis: opts.redis, keyPrefix: opts.keyPrefix, now: t };
    switch (ev.kind) {
      case "status":
        throw new Error("statuses are applied as one statement by applyStatus");
      case "message": {
        cacheKeys.push(ev.customerKey);
        const r = await applyInbound(tx, ev, { ...deps, keywords });
        if (!r) log.warn({ wamid: ev.wamid, kind: ev.kind }, "inbound message without a usable customer id");
        return r !== null;
      }
      case "user_preference": {
        if (ev.category !== "marketing_messages" || !["stop", "resume"].includes(ev.value)) {
          log.warn({ category: ev.category, value: ev.value }, "user preference not understood");
          return false;
        }
        cacheKeys.push(ev.customerKey);
        const to = ev.value === "stop" ? "revoked" : "granted";
        const r = await consentFromSignal(tx, deps, ev.customerKey, to, ev.timestamp ?? t, {
          source: "user_preferences", details: { value: ev.value, detail: ev.detail },
        });
        return r.changed;
      }
      case "template_status": {
        const r = await applyTemplateStatus(tx, ev, t);
        if (r.pausedCampaigns.length) log.info({ template: ev.templateName, campaigns: r.pausedCampaigns }, "campaigns paused for template");
        return r.updated || r.pausedCampaigns.length > 0;
      }
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
        await writeAudit(tx, { actor: "webhook", action: "webhook.error", subjectType: "waba", subjectId: ev.wabaId, details: { errors: ev.errors } });
        return false;
      case "unknown":
        log.warn({ field: ev.field, reason: ev.reason, key: ev.dedupKey }, "unknown webhook event");
        return false;
    }
  }

  /** Applies one event exactly once: ledger claim and every change in one transaction. */
  async function applyEvent(ev: WebhookEvent): Promise<EventOutcome> {
    const t = now();
    const cacheKeys: string[] = [];
    try {
      if (ev.kind === "status") {
        const r = await applyStatus({ db, pool: opts.pool }, ev, t);
        if (r.outcome === "applied") {
          opts.metrics?.webhookEvents.inc({ kind: metricKind(ev) });
          if (r.to === "failed" && r.from !== "failed") opts.metrics?.messagesFailed.inc({ code: String(r.failedCode ?? "unknown") });
          if (r.failedCode !== null && explainMetaError(r.failedCode).category === "opted_out") await recordOptOut(r.messageId, r.failedCode, ev.timestamp ?? t, t);
        }
        return r.outcome;
      }
      const outcome = await db.transaction().execute((trx) =>
        scopedTo(trx, async (tx): Promise<EventOutcome> => {
          if (!(await claimEvent(tx, ev.dedupKey, ev.kind))) return "duplicate";
          return (await change(tx, ev, t, cacheKeys)) ? "applied" : "ignored";
        }),
      );
      if (outcome !== "duplicate") opts.metrics?.webhookEvents.inc({ kind: metricKind(ev) });
      return outcome;
    } catch (err) {
      await forgetCache(cacheKeys);
      log.error({ err, key: ev.dedupKey, kind: ev.kind }, "webhook event failed");
      return "failed";
    }
  }

  /** Meta failed a message because the customer stopped marketing (131050): their consent is revoked, like STOP. */
  async function recordOptOut(messageId: string, code: number, signalAt: number, at: number): Promise<void> {
    const m = await db.selectFrom("messages").select("customer_id").where("id", "=", messageId).executeTakeFirst();
    if (!m) return;
    await db.transaction().execute((trx) =>
      consentFromSignal(trx, { redis: opts.redis, keyPrefix: opts.keyPrefix, now: at }, m.customer_id, "revoked", signalAt, {
        source: META_OPT_OUT_SOURCE, details: { message_id: messageId, code },
      }));
  }

  // The state store writes its Redis cache before our transaction commits; after a rollback, drop it.
  async function forgetCache(cacheKeys: readonly string[]): Promise<void> {
    if (!opts.redis || cacheKeys.length === 0) return;
    const store = createStateStore({ db, redis: opts.redis, keyPrefix: opts.keyPrefix });
    for (const customerId of cacheKeys) await store.invalidate({ customerId }).catch(() => {});
  }

  /** Dead letter: the event, its error and a ledger row, so it is neither lost nor retried forever. */
  async function park(ev: WebhookEvent, why: string): Promise<void> {
    await db.transaction().execute(async (trx) => {
      if (!(await claimEvent(trx, ev.dedupKey, `dead:${ev.kind}`))) return;
      await trx.insertInto("webhook_dead_letters")
        .values({ event_key: ev.dedupKey, kind: ev.kind, error: why, event: JSON.stringify(ev.raw ?? {}) })
        .onConflict((oc) => oc.column("event_key").doNothing())
        .execute();
      await writeAudit(trx, {
        actor: "webhook", action: "webhook.dead_letter", subjectType: "webhook_event", subjectId: ev.dedupKey,
        details: { kind: ev.kind, error: why, event: ev.raw as Record<string, unknown> },
      });
    });
    opts.metrics?.webhookEvents.inc({ kind: "dead_letter" });
    log.error({ key: ev.dedupKey, kind: ev.kind, why }, "webhook event parked in the dead letter");
  }

  /** A body that is not a WhatsApp envelope (the receiver checks, so only a signed oddity gets here). */
  async function parkBody(body: Uint8Array | string, why: string): Promise<void> {
    const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
    const sha = createHash("sha256").update(bytes).digest("hex");
    await db.insertInto("webhook_dead_letters")
      .values({ event_key: `body:${sha}`, kind: "body", error: why, event: JSON.stringify({ body: bytes.subarray(0, 65_536).toString("utf8") }), body_sha256: sha })
      .onConflict((oc) => oc.column("event_key").doNothing())
      .execute();
    await writeAudit(db, {
      actor: "webhook", action: "webhook.dead_letter", subjectType: "webhook_body", subjectId: sha,
      details: { error: why, body: bytes.subarray(0, 65_536).toString("utf8") },
    });
    opts.metrics?.webhookEvents.inc({ kind: "dead_letter" });
    log.error({ sha256: sha, why }, "webhook body parked in the dead letter");
  }

  /** One raw webhook body (as signed by Meta): every event applied in order, each in its own transaction. */
  async function processBody(body: Uint8Array | string, popts: ProcessOptions = {}): Promise<ProcessReport> {
    const outcomes: Record<EventOutcome, number> = { applied: 0, duplicate: 0, ignored: 0, deferred: 0, failed: 0, parked: 0 };
    let parsed: unknown;
    try {
      parsed = JSON.parse(typeof body === "string" ? body : Buffer.from(body).toString("utf8"));
    } catch {
      parsed = undefined;
    }
    const r = parseWebhook(parsed);
    if (!r.ok) {
      await parkBody(body, r.error);
      return { events: 0, outcomes: { ...outcomes, parked: 1 }, pending: 0 };
    }
    const toPark: Array<[WebhookEvent, EventOutcome]> = [];
    const settle = (ev: WebhookEvent, o: EventOutcome): void => {
      if ((o === "deferred" || o === "failed") && popts.final) toPark.push([ev, o]);
      else outcomes[o] += 1;
    };
    // Statuses are order-free (ranks, earliest times, row locks), so a big batch runs a few at a time. Other
    // events keep the body's order: a number's or account's updates have no per-row event time to compare.
    const statuses = r.events.filter((e) => e.kind === "status");
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < statuses.length) {
        const ev = statuses[next++]!;
        settle(ev, await applyEvent(ev));
      }
    };
    const others = async (): Promise<void> => {
      for (const ev of r.events) if (ev.kind !== "status") settle(ev, await applyEvent(ev));
    };
    await Promise.all([others(), ...Array.from({ length: Math.min(concurrency, statuses.length) }, worker)]);
    for (const [ev, o] of toPark) {
      await park(ev, o === "deferred" ? "no matching message after every retry" : "apply failed on every retry");
      outcomes.parked += 1;
    }
    return { events: r.events.length, outcomes, pending: outcomes.deferred + outcomes.failed };
  }

  return { processBody, applyEvent };
}

export type WebhookProcessor = ReturnType<typeof createWebhookProcessor>;
