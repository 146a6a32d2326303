import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import type { LogLike, Metrics } from "@wa/observability";
import type { HttpBindings } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { createByteBudget, declaredLength, discardBody, envelopeProblem, readEnvelope, readLimited } from "./body.js";
import { secretsByWaba, singleSecret } from "./signatures.js";

interface ReadyReport {
  readonly ok: boolean;
  readonly checks: Record<string, boolean>;
}

export interface ReceiverDeps {
  /** Signs every body when there is no accounts file. */
  readonly appSecret: string;
  /** accounts.yaml: WABA id → its app secret; a body must be signed with the secret of the WABAs it names. */
  readonly appSecretsByWaba?: ReadonlyMap<string, string> | null;
  readonly verifyToken: string;
  readonly bodyLimitBytes: number;
  /** Body bytes held in memory at once across all requests; past it a POST gets 503 + Retry-After unread. */
  readonly bufferBytes: number;
  /** Publish the raw body to whatsapp.webhooks.events (Nats-Msg-Id = sha256); throws when NATS cannot take it. */
  readonly publish: (body: Uint8Array, receivedAt: number) => Promise<{ duplicate: boolean }>;
  /** False when NATS is known to be down: skip straight to the inbox. */
  readonly natsUp?: () => boolean;
  /** Keep the body in the Postgres inbox; throws when Postgres is down too. */
  readonly store: (body: Uint8Array, receivedAt: number) => Promise<void>;
  readonly ready: () => Promise<ReadyReport>;
  readonly metrics: Pick<Metrics, "registry" | "webhookRequests" | "webhookIngest" | "webhookBuffered">;
  readonly log: LogLike;
}

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();
const sameSecret = (a: string, b: string): boolean => b.length > 0 && timingSafeEqual(digest(a), digest(b));
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// Only a well-formed signature earns a read of the body: anything else is refused before buffering a byte.
const SIGNATURE_SHAPE = /^sha256=[0-9a-fA-F]{64}$/;
const RETRY_AFTER_SECONDS = "5";

// `incoming` is there when served by @hono/node-server (not under app.request() in tests).
type Env = { Variables: { requestId: string }; Bindings: Partial<HttpBindings> };

/** Meta's webhook endpoint plus /health, /ready, /metrics. Bodies and secrets are never logged. */
export function createReceiverApp(deps: ReceiverDeps): Hono<Env> {
  const app = new Hono<Env>();
  const { log, metrics } = deps;
  const signatures = deps.appSecretsByWaba ? secretsByWaba(deps.appSecretsByWaba) : singleSecret(deps.appSecret);

  app.use(async (c, next) => {
    // The lenient parser (see server.ts) would frame such a request one way and a proxy another: refuse it.
    if (c.req.header("transfer-encoding") !== undefined && c.req.header("content-length") !== undefined) {
      return c.text("both Transfer-Encoding and Content-Length", 400, { connection: "close" });
    }
    const given = c.req.header("x-request-id");
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    c.set("requestId", requestId);
    // Set before the handler answers: a header added to a finished response turns @hono/node-server's light
    // response into a full web Response with a body stream (~1.5 % of the receiver's CPU, issue 19).
    c.header("x-request-id", requestId);
    const started = performance.now();
    await next();
    // Path only: the verification query carries the verify token.
    log.info(
      {
        request_id: requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
      },
      "request",
    );
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

  const budget = createByteBudget(deps.bufferBytes);
  // Refusals read the rest of the body (up to this bound) before answering, then close the connection.
  const discardBound = 2 * deps.bodyLimitBytes;

  app.post("/webhook", async (c) => {
    const started = performance.now();
    const answer = (outcome: string, status: 200 | 400 | 401 | 413 | 503, text: string) => {
      metrics.webhookRequests.inc({ outcome });
      metrics.webhookIngest.observe((performance.now() - started) / 1000);
      return c.text(text, status);
    };
    const refuse = async (outcome: string, status: 401 | 413 | 503, text: string, drained?: boolean) => {
      if (drained === undefined) await discardBody(c.req.raw, discardBound, c.env?.incoming);
      c.header("connection", "close");
      if (status === 503) c.header("retry-after", RETRY_AFTER_SECONDS);
      return answer(outcome, status, text);
    };
    const declared = declaredLength(c.req.raw);
    if (declared !== null && declared > deps.bodyLimitBytes) return refuse("too_large", 413, "payload too large");
    const signature = c.req.header("x-hub-signature-256");
    if (signature === undefined || !SIGNATURE_SHAPE.test(signature)) {
      log.warn({ request_id: c.get("requestId"), signed: signature !== undefined }, "webhook signature refused");
      return refuse("bad_signature", 401, "invalid signature");
    }
    // Chunked bodies have no length yet: reserve the worst case.
    const reserved = declared ?? deps.bodyLimitBytes;
    if (!budget.take(reserved)) {
      log.warn(
        { request_id: c.get("requestId"), reserved, in_use: budget.inUse() },
        "webhook buffer full; answering 503",
      );
      return refuse("busy", 503, "busy, retry later");
    }
    metrics.webhookBuffered.set(budget.inUse());
    try {
      return await accept(c, signature, answer, refuse);
    } finally {
      budget.release(reserved);
      metrics.webhookBuffered.set(budget.inUse());
    }
  });

  type Answer = (outcome: string, status: 200 | 400 | 401 | 413 | 503, text: string) => Response;
  type Refuse = (outcome: string, status: 401 | 413 | 503, text: string, drained?: boolean) => Promise<Response>;
  async function accept(c: Context<Env>, signature: string, answer: Answer, refuse: Refuse): Promise<Response> {
    let read: Awaited<ReturnType<typeof readLimited>>;
    try {
      read = await readLimited(c.req.raw, deps.bodyLimitBytes, discardBound, c.env?.incoming);
    } catch {
      // The client went away mid-body: nobody is left to answer; Meta sends it again.
      log.info({ request_id: c.get("requestId") }, "webhook client left before its body ended");
      c.header("connection", "close");
      return answer("aborted", 400, "incomplete body");
    }
    if (read.body === null) return refuse("too_large", 413, "payload too large", read.drained);
    const body = read.body;
    // With accounts the WABAs the body names choose the secret: the envelope is read first (once).
    const envelope = signatures.byWaba ? readEnvelope(body) : null;
    if (!signatures.verify(body, signature, envelope?.wabaIds ?? null)) {
      log.warn({ request_id: c.get("requestId"), signed: true }, "webhook signature refused");
      return answer("bad_signature", 401, "invalid signature");
    }
    const problem = envelope ? envelope.problem : envelopeProblem(body);
    if (problem) return answer("invalid", 400, problem);
    const receivedAt = Date.now();
    if (deps.natsUp?.() !== false) {
      try {
        const r = await deps.publish(body, receivedAt);
        return answer(r.duplicate ? "duplicate" : "accepted", 200, "EVENT_RECEIVED");
      } catch (err) {
        log.warn(
          { request_id: c.get("requestId"), err: { message: (err as Error).message } },
          "webhook publish failed; using the inbox",
        );
      }
    }
    try {
      await deps.store(body, receivedAt);
      return answer("stored", 200, "EVENT_RECEIVED");
    } catch (err) {
      // Neither NATS nor Postgres: a non-200 makes Meta retry later, which is what we want.
      log.error(
        { request_id: c.get("requestId"), err: { message: (err as Error).message } },
        "webhook could not be kept",
      );
      return answer("unavailable", 503, "temporarily unavailable");
    }
  }

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
