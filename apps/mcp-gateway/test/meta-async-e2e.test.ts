// Meta's rules arriving asynchronously, end to end (issue 20): mock-meta's signed webhooks go through the built
// receiver and processor; the gateway's tools, the delivery worker and the built campaign worker react.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadConfig, mcpGatewayEnv } from "@wa/config";
import type { Db } from "@wa/db";
import { reconcileMemory, reconcileOnce, type DeliveryWorker } from "@wa/messaging";
import { createLogger } from "@wa/observability";
import { type SpawnedApp, spawnApp, waitFor } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClients, type Clients } from "../src/clients.js";
import { setupEnv, startDelivery, type Env, type Gateway } from "./harness.js";

const dist = (app: string) => fileURLToPath(new URL(`../../${app}/dist/main.js`, import.meta.url));
const APP_SECRET = "mock-app-secret"; // mock-meta's default signing secret
const DAY_MS = 24 * 3_600_000;
// An operator who switched the built-in US pause off: Meta (mock-meta's us_marketing_pause) still enforces it.
const SENDING = { META_US_MARKETING_PAUSE: "false", MARKETING_DAILY_CAP: "10", PAIR_LIMIT_SECS: "0" };
const US = "12125550177"; // New York, clear of mock-meta's trigger suffixes

let env: Env;
let gw: Gateway;
let offline: Gateway; // NATS unreachable: what it queues waits for the scheduler's reconciler
let db: Db;
let worker: Clients;
let delivery: DeliveryWorker | undefined;
const apps: SpawnedApp[] = [];

async function mock(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${env.meta.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`mock ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

const callsTo = async (to: string) =>
  ((await mock(`/_mock/calls?to=${to}`)) as { calls: { template_name: string | null; code: number | null }[] }).calls;
const rowOf = (id: string) => db.selectFrom("messages").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
const settled = (id: string, ...statuses: string[]) =>
  waitFor(`${id} ${statuses.join("/")}`, async () => {
    const r = await rowOf(id);
    return statuses.includes(r.status) ? r : null;
  });
const welcome = (to: string) => ({ to, template_name: "welcome_offer", variables: ["Ann"] });
const orderUpdate = (to: string) => ({ to, template_name: "order_update", variables: ["Ann", "A-1"] });

async function queued(g: Gateway, args: Record<string, unknown>): Promise<string> {
  const r = await g.call("send_template", args);
  expect(r.isError, r.text).toBe(false);
  expect(r.structured).toMatchObject({ status: "queued" });
  return r.structured.message_id as string;
}

beforeAll(async () => {
  for (const app of ["webhook-receiver", "webhook-processor", "campaign-worker"])
    if (!existsSync(dist(app))) throw new Error(`build ${app} first: ${dist(app)} is missing`);
  env = await setupEnv();
  gw = await env.gateway(SENDING); // creates the streams
  offline = await env.gateway({ ...SENDING, NATS_URL: "nats://127.0.0.1:1" });
  db = gw.clients.deps.db;
  const appEnv = { ...env.base, META_APP_SECRET: APP_SECRET, WEBHOOK_VERIFY_TOKEN: "verify", LOG_LEVEL: "info" };
  const processor = spawnApp(dist("webhook-processor"), { ...appEnv, OPS_PORT: "0" });
  const receiver = spawnApp(dist("webhook-receiver"), { ...appEnv, PORT: "0", HOST: "127.0.0.1" });
  const campaigns = spawnApp(dist("campaign-worker"), {
    ...appEnv,
    ...SENDING,
    OPS_PORT: "0",
    CAMPAIGN_SWEEP_MS: "100",
    MESSAGING_LIMIT_TIER: "TIER_UNLIMITED",
  });
  apps.push(processor, receiver, campaigns);
  await waitFor("processor ready", async () => /"msg":"ready"/.test(processor.output()));
  await waitFor("campaign worker ready", async () => /"msg":"ready"/.test(campaigns.output()));
  const port = await waitFor("receiver port", async () => /"port":(\d+),"msg":"ready"/.exec(receiver.output())?.[1]);
  await mock("/_mock/config", { webhook_target_url: `http://127.0.0.1:${port}/webhook`, pair_burst: 1000 });
  const cfg = loadConfig(mcpGatewayEnv, { ...env.base, ...SENDING });
  worker = await createClients(cfg, createLogger({ service: "delivery-test", level: "silent", destination: 2 }));
  await worker.busReady;
  delivery = startDelivery(worker);
  await db
    .insertInto("customers")
    .values({ customer_id: US, phone: US, marketing_consent: "granted", utility_consent: "granted" })
    .execute();
}, 60_000);

afterAll(async () => {
  await delivery?.close();
  for (const c of worker?.closers.toReversed() ?? []) await c.close();
  for (const a of apps) {
    a.proc.kill("SIGTERM");
    await a.exited;
  }
  await env?.close();
});

describe("131049 reported by a failed status webhook", () => {
  it("limits the customer 24 h: marketing refused, the queued one cancelled without a call, utility goes", async () => {
    const waiting = await queued(offline, welcome(US)); // accepted before the limit, published only later
    const before = Date.now();
    const first = await queued(gw, welcome(US));
    // Meta accepts it (a wamid), then its `failed` webhook carries 131049: the US marketing pause.
    const failed = await settled(first, "failed");
    expect(failed).toMatchObject({ error_code: 131049 });
    expect(failed.wamid).not.toBeNull();
    const customer = await waitFor("limit applied", () =>
      db
        .selectFrom("customers")
        .select("marketing_limited_until")
        .where("customer_id", "=", US)
        .where("marketing_limited_until", "is not", null)
        .executeTakeFirst(),
    );
    const until = customer.marketing_limited_until!.getTime();
    expect(until).toBeGreaterThanOrEqual(before - 1000 + DAY_MS); // the webhook's timestamp is in whole seconds
    expect(until).toBeLessThanOrEqual(Date.now() + DAY_MS);

    const again = await gw.call("send_template", welcome(US));
    expect(again.isError).toBe(true);
    expect(again.structured).toMatchObject({
      reason_code: "MARKETING_LIMITED",
      details: { resets_at: new Date(until).toISOString() },
    });
    expect(again.structured.suggested_action).toEqual(expect.any(String));

    // The scheduler's reconciler publishes the stranded row; the delivery worker cancels it before Meta.
    const js = worker.deps.bus.js();
    if (!js) throw new Error("NATS is not reachable");
    const { compliance, state } = worker.deps;
    const names = worker.deps.cfg;
    await reconcileOnce(
      { db, state, compliance, js, names, log: worker.deps.log },
      { stuckQueuedMs: 0, stuckSendingMs: 60_000, stuckRetryingMs: 60_000 },
      reconcileMemory(),
    );
    const cancelled = await settled(waiting, "cancelled");
    expect(cancelled).toMatchObject({ status_reason: "MARKETING_LIMITED", counts_toward_cap: false });
    expect(cancelled.error_explanation).toMatch(/131049/);

    const utility = await queued(gw, orderUpdate(US));
    expect(await settled(utility, "delivered", "read")).toMatchObject({ error_code: null });
    expect((await callsTo(US)).map((c) => c.template_name)).toEqual(["welcome_offer", "order_update"]);
  });
});

const templateStatus = (status: string) =>
  waitFor(`order_update ${status}`, () =>
    db
      .selectFrom("templates")
      .select("status")
      .where("name", "=", "order_update")
      .where("locale", "=", "en")
      .where("status", "=", status)
      .executeTakeFirst(),
  );

const templateAllowed = (allowed: boolean) =>
  waitFor(`check_compliance allowed ${allowed}`, async () => {
    const r = await gw.call("check_compliance", {
      customer_id: US,
      message_type: "template",
      template_name: "order_update",
    });
    return r.structured.allowed === allowed;
  });

describe("a template Meta pauses while its campaign runs", () => {
  it("PAUSED pauses the campaign and refuses send_template naming it; APPROVED again lets sends go", async () => {
    // Nothing delivers meanwhile: the campaign's messages stay queued, so it is still running when Meta pauses.
    await delivery?.close();
    delivery = undefined;
    const audience = ["6281277700177", "6281277700277", "6281277700377"];
    await db
      .insertInto("customers")
      .values(audience.map((c) => ({ customer_id: c, phone: c, country: "ID", utility_consent: "granted" as const })))
      .execute();
    const scheduled = await gw.call("schedule_campaign", {
      name: "restock",
      type: "utility",
      template_name: "order_update",
      variables: ["Ann", "A-1"],
      audience_filter: { country_codes: ["ID"] },
      deliver_at: new Date(Date.now() + 1000).toISOString(),
    });
    expect(scheduled.isError, scheduled.text).toBe(false);
    const id = scheduled.structured.campaign_id as string;
    const campaign = () => db.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    await waitFor("campaign running with its messages queued", async () => {
      const c = await campaign();
      return c.status === "running" && c.enqueued_count === audience.length;
    }).catch((e) => {
      console.error(apps[2]!.output().slice(-4000));
      throw e;
    });

    await mock("/_mock/templates", { name: "order_update", language: "en", status: "PAUSED", quality: "RED" });
    await templateStatus("PAUSED");
    const audit = await db
      .selectFrom("audit_logs")
      .select(["actor", "details"])
      .where("action", "=", "template.status_updated")
      .execute();
    expect(audit).toMatchObject([{ actor: "webhook", details: { name: "order_update", status: "PAUSED" } }]);
    const paused = await waitFor("campaign paused", async () => {
      const c = await campaign();
      return c.status === "paused" ? c : null;
    });
    expect(paused.status_reason).toBe("template_paused");
    const view = await gw.call("get_campaign", { campaign_id: id });
    expect(view.structured).toMatchObject({ status: "paused" });

    // Each process sees another's template change within COMPLIANCE_DEFAULTS.templateCheckMs: asked read-only.
    await templateAllowed(false);
    const refused = await gw.call("send_template", orderUpdate(US));
    expect(refused.isError).toBe(true);
    expect(refused.structured).toMatchObject({ reason_code: "TEMPLATE_NOT_APPROVED" });
    expect(refused.structured.human_explanation).toMatch(/PAUSED by Meta/);
    expect(refused.structured.suggested_action).toMatch(/comes back by itself/);

    await mock("/_mock/templates", { name: "order_update", language: "en", status: "APPROVED" });
    await templateStatus("APPROVED");
    await templateAllowed(true);
    await queued(gw, orderUpdate(US));
  });
});
