import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadConfig, mcpGatewayEnv } from "@wa/config";
import type { Db } from "@wa/db";
import type { DeliveryWorker } from "@wa/messaging";
import { createLogger } from "@wa/observability";
import { type SpawnedApp, spawnApp, waitFor } from "@wa/testkit";
import { afterAll, beforeAll, expect } from "vitest";
import { createClients, type Clients } from "../src/clients.js";
import { setupEnv, startDelivery, type Env, type Gateway } from "./harness.js";

// The real path for the rich-message tests: a customer writes through mock-meta → the built webhook receiver and
// processor open the window → the tool queues → the delivery worker calls mock-meta → its status webhooks take
// the row to `delivered`.
const dist = (app: string) => fileURLToPath(new URL(`../../${app}/dist/main.js`, import.meta.url));
const APP_SECRET = "mock-app-secret"; // mock-meta's default signing secret

export const CUSTOMER = "447700900555";
export const COLD = "447700900556"; // wrote long ago: window shut

/** What every send to CUSTOMER starts with in Graph's payload. */
export const envelope = (messageId: string) => ({
  messaging_product: "whatsapp",
  recipient_type: "individual",
  to: `+${CUSTOMER}`,
  biz_opaque_callback_data: messageId,
});

interface LiveStack {
  env: Env;
  gw: Gateway;
  db: Db;
}

/** Starts the stack for one test file (beforeAll/afterAll) and returns it with the helpers over it. */
export function useLiveStack() {
  const s = {} as LiveStack;
  let worker: Clients | undefined;
  let delivery: DeliveryWorker | undefined;
  const apps: SpawnedApp[] = [];

  async function mock(path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${s.env.meta.url}${path}`, {
      method: body === undefined ? "GET" : "POST",
      ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    return (await res.json()) as Record<string, unknown>;
  }

  /** The customer writes; resolves with the stored inbound message once the processor has it. */
  async function customerWrites(from: string, text: string, timestamp?: number) {
    const id = `wamid.in-${from}-${Math.random().toString(36).slice(2)}`;
    await mock("/_mock/inbound", { from, text, id, ...(timestamp ? { timestamp } : {}) });
    return waitFor(`inbound ${id} stored`, () =>
      s.db.selectFrom("messages").select(["id", "wamid"]).where("wamid", "=", id).executeTakeFirst(),
    );
  }

  /** Waits for the message to reach `delivered`; returns the exact body mock-meta received for it. */
  async function deliveredBody(messageId: string): Promise<Record<string, unknown>> {
    await waitFor(`${messageId} delivered`, async () => {
      const r = await s.gw.call("get_delivery_status", { message_id: messageId });
      if (r.structured.status === "failed") throw new Error(`failed: ${r.text}`);
      return r.structured.status === "delivered" || r.structured.status === "read";
    });
    const log = (await mock("/_mock/calls?include_body=true")) as { calls: { body: Record<string, unknown> | null }[] };
    const call = log.calls.find((c) => c.body?.["biz_opaque_callback_data"] === messageId);
    if (!call?.body) throw new Error(`no call for ${messageId}`);
    return call.body;
  }

  async function sent(tool: string, args: Record<string, unknown>): Promise<string> {
    const r = await s.gw.call(tool, args);
    expect(r.isError, r.text).toBe(false);
    expect(r.structured).toMatchObject({ status: "queued", category: "service", duplicate: false });
    return r.structured.message_id as string;
  }

  const outboundCount = async () =>
    Number(
      (
        await s.db
          .selectFrom("messages")
          .select((e) => e.fn.countAll<string>().as("n"))
          .where("direction", "=", "outbound")
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    for (const app of ["webhook-receiver", "webhook-processor"])
      if (!existsSync(dist(app))) throw new Error(`build ${app} first: ${dist(app)} is missing`);
    s.env = await setupEnv();
    s.gw = await s.env.gateway(); // creates the streams
    s.db = s.gw.clients.deps.db;
    const appEnv = { ...s.env.base, META_APP_SECRET: APP_SECRET, WEBHOOK_VERIFY_TOKEN: "verify", LOG_LEVEL: "info" };
    const processor = spawnApp(dist("webhook-processor"), { ...appEnv, OPS_PORT: "0" });
    const receiver = spawnApp(dist("webhook-receiver"), { ...appEnv, PORT: "0", HOST: "127.0.0.1" });
    apps.push(processor, receiver);
    await waitFor("processor ready", async () => /"msg":"ready"/.test(processor.output()));
    const port = await waitFor("receiver port", async () => /"port":(\d+),"msg":"ready"/.exec(receiver.output())?.[1]);
    // Many sends to one customer: Meta's pair pacing (6 s after a burst of 3) is off on both sides here.
    await mock("/_mock/config", { webhook_target_url: `http://127.0.0.1:${port}/webhook`, pair_burst: 1000 });
    const cfg = loadConfig(mcpGatewayEnv, { ...s.env.base, PAIR_LIMIT_SECS: "0" });
    worker = await createClients(cfg, createLogger({ service: "delivery-test", level: "silent", destination: 2 }));
    await worker.busReady;
    delivery = startDelivery(worker);
    await customerWrites(CUSTOMER, "Hi, my parcel arrived broken");
  }, 60_000);

  afterAll(async () => {
    await delivery?.close();
    for (const c of worker?.closers.toReversed() ?? []) await c.close();
    for (const a of apps) {
      a.proc.kill("SIGTERM");
      await a.exited;
    }
    await s.env?.close();
  });

  return { stack: s, mock, customerWrites, deliveredBody, sent, outboundCount };
}
