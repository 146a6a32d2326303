import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createMetaClient } from "@wa/meta";
import { startMockMeta, type RunningMockMeta } from "@wa/mock-meta";
import { createMetrics } from "@wa/observability";
import { createLimiter } from "@wa/ratelimit";
import { createWebhookProcessor } from "@wa/webhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDeliveryWorker, type DeliveryWorker } from "../src/index.js";
import { callsTo, mockPost, openStack, phone, seedTemplates, silentLog, waitFor, type Stack } from "./support.js";

// Recipients by business-scoped user id (BSUID), end to end: mock-meta's webhooks go through the real webhook
// processor into this stack's database, sends go through enqueue, the delivery worker and mock-meta.
const PHONE_ID = "100000000000001";
let s: Stack;
let mock: RunningMockMeta;
let target: Server;
let worker: DeliveryWorker;

let n = 0;
/** A BSUID unique to this run (Meta's shape: country prefix, dot, digits); not "US.": marketing to US users is paused by default. */
const bsuid = () => `ID.${process.pid}${Date.now()}${++n}`;

const customerRow = (id: string) =>
  s.db.selectFrom("customers").selectAll().where("customer_id", "=", id).executeTakeFirst();
const rowOf = (id: string) => s.db.selectFrom("messages").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
const sent = (id: string) =>
  waitFor(`${id} sent`, async () => ((await rowOf(id)).status === "sent" ? rowOf(id) : null));

/** One customer message through mock-meta → signed webhook → the webhook processor; resolves once stored. */
async function inbound(m: { from: string; user_id?: string; text?: string }): Promise<string> {
  const r = await fetch(`${mock.url}/_mock/inbound`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text: "hi", ...m }),
  });
  const wamid = ((await r.json()) as { messages: { id: string }[] }).messages[0]!.id;
  await waitFor(`inbound ${wamid}`, () =>
    s.db.selectFrom("messages").select("id").where("wamid", "=", wamid).executeTakeFirst(),
  );
  return wamid;
}

const marketing = (to: string) => ({
  to,
  content: { type: "template" as const, template_name: "welcome_offer", variables: ["Ann"] },
});
const otp = (to: string) => ({
  to,
  content: { type: "template" as const, template_name: "otp_code", variables: ["123456"] },
});
const textTo = (to: string) => ({ to, content: { type: "text" as const, text: "hello back" } });

beforeAll(async () => {
  s = await openStack({ defaultCap: 1 });
  await seedTemplates(s.db);
  const processor = createWebhookProcessor({ db: s.db, redis: s.redis, keyPrefix: s.prefix, log: silentLog });
  target = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void processor.processBody(Buffer.concat(chunks)).then(
        () => res.end("ok"),
        () => {
          res.statusCode = 500;
          res.end();
        },
      );
    });
  });
  await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
  const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
  mock = await startMockMeta({ port: 0, throughputMps: 1000, webhookTargetUrl: targetUrl });
  // Only inbound webhooks matter here; status webhooks of the sends would race the assertions on the rows.
  await mockPost(mock.url, "/_mock/config", { drop_rates: { sent: 1, delivered: 1, read: 1 } });
  const meta = createMetaClient({
    baseUrl: mock.url,
    version: "v25.0",
    accessToken: "mock-token",
    phoneNumberId: PHONE_ID,
    wabaId: "200000000000001",
  });
  const limiter = createLimiter({
    redis: s.redis,
    keyPrefix: s.prefix,
    throughputMps: 1000,
    pairIntervalMs: 6000,
    pairBurst: 3,
  });
  worker = startDeliveryWorker({
    db: s.db,
    state: s.state,
    meta,
    limiter,
    phoneNumberId: PHONE_ID,
    log: silentLog,
    metrics: createMetrics({ defaultMetrics: false }),
    js: s.bus.js,
    names: s.names,
    concurrency: 4,
  });
});
afterAll(async () => {
  await worker.close();
  await mock.close();
  await new Promise((r) => target.close(r));
  await s.close();
});

describe("recipients by BSUID", () => {
  it("a BSUID-only inbound opens the window; a free-form reply to the BSUID goes to Meta with the BSUID as `to`", async () => {
    const id = bsuid();
    await inbound({ from: id });
    expect(await customerRow(id)).toMatchObject({ customer_id: id, bsuid: id, phone: null });
    expect((await s.state.getWindow({ customerId: id })).open).toBe(true);
    const r = await s.messaging.enqueueOutbound(textTo(id), { actor: "agent" });
    if (!r.ok) throw new Error(`refused: ${r.reason_code}`);
    expect(r).toMatchObject({ category: "service", customer_id: id });
    const row = await sent(r.message_id);
    expect(row.wamid).toMatch(/^wamid\./);
    const calls = await callsTo(mock.url, id);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ code: null, wamid: row.wamid });
  });

  it("refuses an authentication template to a BSUID before Meta (131062); the same customer's phone gets it", async () => {
    const [p, b] = [phone(), bsuid()];
    await inbound({ from: p, user_id: b }); // links the two ids
    const r = await s.messaging.enqueueOutbound(otp(b), { actor: "agent" });
    expect(r).toMatchObject({ ok: false, reason_code: "INVALID_PHONE_NUMBER" });
    if (r.ok) throw new Error("accepted");
    expect(r.human_explanation).toContain("131062");
    expect(r.suggested_action).toContain("phone number");
    expect(await callsTo(mock.url, b)).toHaveLength(0);
    const ok = await s.messaging.enqueueOutbound(otp(`+${p}`), { actor: "agent" });
    if (!ok.ok) throw new Error(`refused: ${ok.reason_code}`);
    await sent(ok.message_id);
    expect(await callsTo(mock.url, p)).toHaveLength(1);
  });

  it("merges a BSUID-only customer into the phone customer once a webhook names both: history, window, STOP", async () => {
    const [p, b] = [phone(), bsuid()];
    await s.state.setConsent({ customerId: p }, { marketing: "granted" }, { source: "import" });
    await inbound({ from: p, text: "order question" });
    await inbound({ from: b, text: "STOP" }); // the same person, known only by BSUID yet
    expect((await customerRow(b))?.marketing_consent).toBe("revoked");
    await inbound({ from: p, user_id: b, text: "thanks" });

    expect(await customerRow(b)).toBeUndefined(); // folded into the phone customer: the phone's row survives
    const c = await customerRow(p);
    expect(c).toMatchObject({
      phone: p,
      bsuid: b,
      marketing_consent: "revoked",
      marketing_consent_source: "inbound_keyword",
    });
    const history = await s.db
      .selectFrom("messages")
      .select("customer_id")
      .where("customer_id", "in", [p, b])
      .execute();
    expect(history.map((h) => h.customer_id)).toEqual([p, p, p]);
    const active = await s.db
      .selectFrom("conversations")
      .select("customer_id")
      .where("customer_id", "in", [p, b])
      .where("status", "=", "active")
      .execute();
    expect(active).toEqual([{ customer_id: p }]);
    const alias = await s.db.selectFrom("customer_aliases").selectAll().where("alias", "=", b).executeTakeFirst();
    expect(alias).toMatchObject({ customer_id: p, kind: "bsuid" });
    const audit = await s.db
      .selectFrom("audit_logs")
      .select(["action", "details"])
      .where("subject_id", "=", p)
      .where("action", "=", "customer.merged")
      .executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ merged_customer_id: b, marketing_consent: { result: "revoked" } });

    // The STOP holds by either id; a reply to the BSUID uses the phone customer's window and goes to the BSUID.
    for (const to of [p, b]) {
      expect(await s.messaging.enqueueOutbound(marketing(to), { actor: "agent" })).toMatchObject({
        ok: false,
        reason_code: "USER_OPTED_OUT",
      });
    }
    const r = await s.messaging.enqueueOutbound(textTo(b), { actor: "agent" });
    if (!r.ok) throw new Error(`refused: ${r.reason_code}`);
    expect(r.customer_id).toBe(p);
    await sent(r.message_id);
    expect((await rowOf(r.message_id)).customer_id).toBe(p);
    expect(await callsTo(mock.url, b)).toHaveLength(1);
  });

  it("applies a STOP sent by BSUID alone to the linked phone customer, and counts one cap across both ids", async () => {
    const [p, b] = [phone(), bsuid()];
    await s.state.setConsent({ customerId: p }, { marketing: "granted" }, { source: "import" });
    await inbound({ from: p, user_id: b });
    // Cap 1 per 24 h (openStack defaultCap): the second marketing message is refused by the other id.
    const first = await s.messaging.enqueueOutbound(marketing(b), { actor: "agent" });
    expect(first).toMatchObject({ ok: true, customer_id: p });
    expect(await s.messaging.enqueueOutbound(marketing(p), { actor: "agent" })).toMatchObject({
      ok: false,
      reason_code: "FREQUENCY_CAP_EXCEEDED",
    });
    await inbound({ from: b, text: "STOP" });
    expect(await customerRow(b)).toBeUndefined();
    expect((await customerRow(p))?.marketing_consent).toBe("revoked");
    expect(await s.messaging.enqueueOutbound(marketing(p), { actor: "agent" })).toMatchObject({
      ok: false,
      reason_code: "USER_OPTED_OUT",
    });
  });
});
