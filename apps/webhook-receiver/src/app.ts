import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { verifySignature } from "@wa/meta";
import type { LogLike, Metrics } from "@wa/observability";
import { Hono } from "hono";
import { envelopeProblem, readLimited } from "./body.js";

export interface ReadyReport {
  readonly ok: boolean;
  readonly checks: Record<string, boolean>;
}

export interface ReceiverDeps {
  readonly appSecret: string;
  readonly verifyToken: string;
  readonly bodyLimitBytes: number;
  /** Publish the raw body to whatsapp.webhooks.events (Nats-Msg-Id = sha256); throws when NATS cannot take it. */
  readonly publish: (body: Uint8Array, receivedAt: number) => Promise<{ duplicate: boolean }>;
  /** False when NATS is known to be down: skip straight to the inbox. */
  readonly natsUp?: () => boolean;
  /** Keep the body in the Postgres inbox; throws when Postgres is down too. */
  readonly store: (body: Uint8Array, receivedAt: number) => Promise<void>;
  readonly ready: () => Promise<ReadyReport>;
  readonly metrics: Pick<Metrics, "registry" | "webhookRequests" | "webhookIngest">;
  readonly log: LogLike;
}

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();
const sameSecret = (a: string, b: string): boolean => b.length > 0 && timingSafeEqual(digest(a), digest(b));
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

type Env = { Variables: { requestId: string } };

/** Meta's webhook endpoint plus /health, /ready, /metrics. Bodies and secrets are never logged. */
export function createReceiverApp(deps: ReceiverDeps): Hono<Env> {
  const app = new Hono<Env>();
  const { log, metrics } = deps;

  app.use(async (c, next) => {
    const given = c.req.header("x-request-id");
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    c.set("requestId", requestId);
    const started = performance.now();
    await next();
    c.header("x-request-id", requestId);
    // Path only: the verification query carries the verify token.
    log.info({
      request_id: requestId, method: c.req.method, path: c.req.path, status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
    }, "request");
  });

  app.get("/webhook", (c) => {
    const mode = c.req.query("hub.mode");
    const token = c.req.query("hub.verify_token") ?? "";
    const challenge = c.req.query("hub.challenge");
    if (mode === "subscribe" && challenge !== undefined && sameSecret(token, deps.verifyToken)) {
      return c.text(challenge, 200);
    }
    log.warn({ request_id: c.get("requestId"), mode }, "webhook verification refused");
    return c.text("forbidden", 403);
  });

  app.post("/webhook", async (c) => {
    const started = performance.now();
    const answer = (outcome: string, status: 200 | 400 | 401 | 413 | 503, text: string) => {
      metrics.webhookRequests.inc({ outcome });
      metrics.webhookIngest.observe((performance.now() - started) / 1000);
      return c.text(text, status);
    };
    const body = await readLimited(c.req.raw, deps.bodyLimitBytes);
    if (body === null) return answer("too_large", 413, "payload too large");
    if (!verifySignature(body, c.req.header("x-hub-signature-256"), deps.appSecret)) {
      log.warn({ request_id: c.get("requestId"), signed: c.req.header("x-hub-signature-256") !== undefined }, "webhook signature refused");
      return answer("bad_signature", 401, "invalid signature");
    }
    const problem = envelopeProblem(body);
    if (problem) return answer("invalid", 400, problem);
    const receivedAt = Date.now();
    if (deps.natsUp?.() !== false) {
      try {
        const r = await deps.publish(body, receivedAt);
        return answer(r.duplicate ? "duplicate" : "accepted", 200, "EVENT_RECEIVED");
      } catch (err) {
        log.warn({ request_id: c.get("requestId"), err: { message: (err as Error).message } }, "webhook publish failed; using the inbox");
      }
    }
    try {
      await deps.store(body, receivedAt);
      return answer("stored", 200, "EVENT_RECEIVED");
    } catch (err) {
      // Neither NATS nor Postgres: a non-200 makes Meta retry later, which is what we want.
      log.error({ request_id: c.get("requestId"), err: { message: (err as Error).message } }, "webhook could not be kept");
      return answer("unavailable", 503, "temporarily unavailable");
    }
  });

  app.get("/health", (c) => c.json({ status: "ok" }));
  app.get("/ready", async (c) => {
    const r = await deps.ready().catch(() => ({ ok: false, checks: {} }));
    return c.json({ status: r.ok ? "ok" : "unavailable", checks: r.checks }, r.ok ? 200 : 503);
  });
  app.get("/metrics", async (c) => {
    const text = await metrics.registry.metrics();
    return c.body(text, 200, { "content-type": metrics.registry.contentType });
  });
  return app;
}
