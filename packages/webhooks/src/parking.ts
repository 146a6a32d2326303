import { type Db, type Executor, isDbUnavailable, writeAudit } from "@wa/db";
import type { WebhookEvent } from "@wa/meta";
import type { LogLike, Metrics } from "@wa/observability";
import { claimEvent, ledgerKey } from "./ledger.js";
import type { EventOutcome } from "./types.js";

/** The signed bytes of one body, kept with every dead letter it produces. */
export interface BodyRef {
  readonly sha256: string;
  readonly bytes: Buffer;
}

/** Per-body bookkeeping: the first "Postgres unreachable" fault, handed to the consumer to retry and log once. */
export interface Faults {
  first?: unknown;
}

export interface ParkingDeps {
  readonly db: Db;
  readonly log: LogLike;
  readonly metrics?: Pick<Metrics, "webhookEvents">;
}

/** The signed bytes, once per body, next to its dead letters. */
async function keepBody(tx: Executor, body: BodyRef): Promise<void> {
  await tx
    .insertInto("webhook_dead_bodies")
    .values({ body_sha256: body.sha256, body: body.bytes })
    .onConflict((oc) => oc.column("body_sha256").doNothing())
    .execute();
}

/** Postgres unreachable: retried for as long as it takes, logged once by the consumer. Anything else: poison. */
export function failureOf(
  log: LogLike,
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

export function createParking(deps: ParkingDeps) {
  const { db, log } = deps;

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
      if (isDbUnavailable(err)) return failureOf(log, err, faults, {}, "");
      log.warn({ err, key, kind: ev.kind }, "dead letter refused the parsed event; keeping the raw bytes only");
      try {
        parked = await write(null);
      } catch (again) {
        return failureOf(log, again, faults, { key, kind: ev.kind }, "dead letter could not be written; retried");
      }
    }
    if (!parked) return "duplicate";
    deps.metrics?.webhookEvents.inc({ kind: "dead_letter" });
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
      return failureOf(log, err, faults, { body_sha256: body.sha256 }, "webhook body could not be parked; retried");
    }
    deps.metrics?.webhookEvents.inc({ kind: "dead_letter" });
    log.error({ body_sha256: body.sha256, why }, "webhook body parked in the dead letter");
    return "parked";
  }

  return { park, parkBody };
}
