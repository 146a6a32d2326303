import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockMeta, type RunningMockMeta } from "../src/index.js";
import {
  SECRET,
  WABA,
  PHONE,
  call,
  hmac,
  send,
  startTarget,
  statusesOf,
  template,
  text,
  waitFor,
  type Target,
} from "./helpers.js";

let mock: RunningMockMeta;
let target: Target;
let base: string;
const fast = {
  webhook_delays_ms: { sent: 20, delivered: 60, read: 100 },
  template_review_delay_ms: 30,
  webhook_retry_delays_ms: [30, 30],
};

const inboundValue = () =>
  target.received.map((r) => r.body.entry[0]?.changes[0]?.value ?? {}).find((v) => v["messages"] !== undefined);
const arrival = (id: string) => statusesOf(target.received).filter((s) => s.id === id);
const newTemplate = (name: string) => ({
  name,
  category: "UTILITY",
  language: "en_US",
  components: [{ type: "BODY", text: "Hi {{1}}" }],
});

beforeAll(async () => {
  target = await startTarget();
  mock = await startMockMeta({ port: 0, appSecret: SECRET, webhookTargetUrl: target.url, seed: 1, knobs: fast });
  base = mock.url;
});
afterAll(async () => {
  await mock.close();
  await target.close();
});
beforeEach(async () => {
  await call(base, "POST", "/_mock/reset");
  await waitFor(() => mock.mock.webhooksIdle()); // posts already in flight finish before the next test looks
  await call(base, "POST", "/_mock/reset");
  target.received.length = 0;
  target.answers.length = 0;
});

describe("status webhooks", () => {
  it("sends sent → delivered → read for one message, signed over the raw bytes, with pricing on sent and delivered", async () => {
    const r = await send(base, { ...template("15551230042"), biz_opaque_callback_data: "corr-1" });
    const wamid = r.json.messages[0].id;
    await waitFor(() => statusesOf(target.received).length >= 3);
    for (const got of target.received) {
      expect(got.headers["x-hub-signature-256"]).toBe(hmac(got.raw));
      expect(got.headers["content-type"]).toBe("application/json");
      expect(got.body.object).toBe("whatsapp_business_account");
      expect(got.body.entry[0]?.id).toBe(WABA);
      expect(got.body.entry[0]?.changes[0]?.value["metadata"]).toEqual({
        display_phone_number: "15550000000",
        phone_number_id: PHONE,
      });
    }
    const statuses = statusesOf(target.received);
    expect(statuses.map((s) => s.status)).toEqual(["sent", "delivered", "read"]);
    expect(
      statuses.every(
        (s) => s.id === wamid && s.recipient_id === "15551230042" && s.biz_opaque_callback_data === "corr-1",
      ),
    ).toBe(true);
    const pricing = { billable: true, pricing_model: "PMP", type: "regular", category: "utility" };
    expect(statuses.map((s) => s.pricing)).toEqual([pricing, pricing, undefined]);
    expect(typeof statuses[0].timestamp).toBe("string");
  });

  it("reports forced asynchronous failures as `failed` with errors[] (recipient ending 0004)", async () => {
    const r = await send(base, template("15551230004"));
    expect(r.status).toBe(200);
    await waitFor(() => statusesOf(target.received).length >= 1);
    await new Promise((res) => setTimeout(res, 150));
    const statuses = statusesOf(target.received);
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toMatchObject({ status: "failed", id: r.json.messages[0].id, errors: [{ code: 131026 }] });
    expect(statuses[0].errors[0].error_data.details).toBeTruthy();
  });

  it("fails marketing to a US number with 131049 (no `sent`), like Meta's US pause; Canada and utility go", async () => {
    const us = await send(base, template("12125550142", "welcome_offer", ["Ann"]));
    const ca = await send(base, template("14165550142", "welcome_offer", ["Ann"]));
    const utility = await send(base, template("12125550143"));
    expect([us.status, ca.status, utility.status]).toEqual([200, 200, 200]);
    await waitFor(() => statusesOf(target.received).length >= 7);
    const of = (r: typeof us) => statusesOf(target.received).filter((s) => s.id === r.json.messages[0].id);
    expect(of(us)).toHaveLength(1);
    expect(of(us)[0]).toMatchObject({ status: "failed", recipient_id: "12125550142", errors: [{ code: 131049 }] });
    expect(of(ca).map((s) => s.status)).toEqual(["sent", "delivered", "read"]);
    expect(of(utility).map((s) => s.status)).toEqual(["sent", "delivered", "read"]);
  });

  it("delivers marketing to US numbers once the pause is switched off (knob us_marketing_pause)", async () => {
    await call(base, "POST", "/_mock/config", { us_marketing_pause: false });
    const us = await send(base, template("12125550144", "welcome_offer", ["Ann"]));
    await waitFor(() => statusesOf(target.received).length >= 3);
    expect(arrival(us.json.messages[0].id).map((s) => s.status)).toEqual(["sent", "delivered", "read"]);
  });

  it("batches statuses that fall due together (≤ webhook_max_batch per envelope)", async () => {
    await call(base, "POST", "/_mock/config", { webhook_max_batch: 50, drop_rates: { delivered: 1, read: 1 } });
    await call(base, "POST", "/_mock/throughput", { mps: 1000 });
    const sends = Array.from({ length: 120 }, (_, i) => send(base, template(`15554${String(i).padStart(3, "0")}17`)));
    expect((await Promise.all(sends)).every((r) => r.status === 200)).toBe(true);
    await waitFor(() => statusesOf(target.received).length >= 120);
    expect(
      target.received.filter((r) => r.body.entry[0]?.changes[0]?.field === "phone_number_quality_update"),
    ).toHaveLength(1);
    const sizes = target.received.map((r) => statusesOf([r]).length).filter((n) => n > 0);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(50);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
  });

  it("retries a webhook answered with a non-200 and delivers the same signed bytes", async () => {
    target.answers.push(500);
    await call(base, "POST", "/_mock/config", { drop_rates: { delivered: 1, read: 1 } });
    await send(base, template("15551230043"));
    await waitFor(() => target.received.length >= 1);
    const stats = await call(base, "GET", "/_mock/stats");
    expect(stats.json.webhooks).toMatchObject({ retried: 1, posted: 1 });
    expect(target.received[0]?.headers["x-hub-signature-256"]).toBe(hmac(target.received[0]?.raw ?? Buffer.alloc(0)));
  });

  it("can skip delivered (pricing moves to read) and duplicate statuses on demand", async () => {
    await call(base, "POST", "/_mock/config", { read_without_delivered_rate: 1 });
    await send(base, template("15551230044"));
    await waitFor(() => statusesOf(target.received).length >= 2);
    expect(statusesOf(target.received).map((s) => [s.status, s.pricing?.type])).toEqual([
      ["sent", "regular"],
      ["read", "regular"],
    ]);
    target.received.length = 0;
    await call(base, "POST", "/_mock/config", { read_without_delivered_rate: 0, duplicate_rate: 1 });
    await send(base, template("15551230045"));
    await waitFor(() => statusesOf(target.received).length >= 6);
    const counts = new Map<string, number>();
    for (const s of statusesOf(target.received)) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({ sent: 2, delivered: 2, read: 2 });
  });
  it("reorders deliveries on demand while timestamps keep the true order", async () => {
    await call(base, "POST", "/_mock/config", { reorder: true });
    await call(base, "POST", "/_mock/throughput", { mps: 1000 });
    const wamids: string[] = [];
    for (let i = 0; i < 10; i++)
      wamids.push((await send(base, template(`15557${String(i).padStart(3, "0")}17`))).json.messages[0].id);
    await waitFor(() => statusesOf(target.received).length >= 30);
    const rank: Record<string, number> = { sent: 0, delivered: 1, read: 2 };
    const inOrder = wamids.filter((id) =>
      arrival(id).every((s, i, all) => i === 0 || rank[s.status]! > rank[all[i - 1].status]!),
    );
    expect(inOrder.length).toBeLessThan(10);
    for (const id of wamids) {
      const byStatus = Object.fromEntries(arrival(id).map((s) => [s.status, Number(s.timestamp)]));
      expect(byStatus["sent"]).toBeLessThanOrEqual(byStatus["read"]);
    }
  });
});

describe("inbound and template webhooks", () => {
  it("delivers injected inbound messages signed, with non-ASCII escaped as lowercase \\uXXXX", async () => {
    const r = await call(base, "POST", "/_mock/inbound", {
      from: "+49 151 2345678",
      name: "Jürgen",
      text: "Hallo 😀 ü",
    });
    await waitFor(() => target.received.length >= 1);
    const got = target.received[0];
    if (got === undefined) throw new Error("no webhook");
    const raw = got.raw.toString("latin1");
    expect([...got.raw].every((b) => b < 0x80)).toBe(true);
    expect(raw).toContain("Hallo \\ud83d\\ude00 \\u00fc");
    expect(raw).toContain("J\\u00fcrgen");
    expect(got.headers["x-hub-signature-256"]).toBe(hmac(got.raw));
    const value = got.body.entry[0]?.changes[0]?.value ?? {};
    expect(value["messages"][0]).toMatchObject({
      from: "491512345678",
      id: r.json.messages[0].id,
      type: "text",
      text: { body: "Hallo 😀 ü" },
    });
    expect(value["contacts"][0]).toEqual({ profile: { name: "Jürgen" }, wa_id: "491512345678" });
    expect((await send(base, text("491512345678"))).status).toBe(200);
  });

  it("batches many injected messages into shared envelopes", async () => {
    const messages = Array.from({ length: 30 }, (_, i) => ({
      from: `15556${String(i).padStart(3, "0")}17`,
      text: `m${i}`,
    }));
    await call(base, "POST", "/_mock/inbound", { messages });
    await waitFor(
      () =>
        target.received.reduce((n, r) => n + (r.body.entry[0]?.changes[0]?.value["messages"]?.length ?? 0), 0) >= 30,
    );
    expect(target.received.length).toBeLessThan(30);
  });

  it("carries BSUIDs like Meta: both ids, a BSUID-only user, and user_id for every phone with the user_ids knob", async () => {
    const bsuid = "US.13491208655302741918";
    await call(base, "POST", "/_mock/inbound", { from: "+49 151 2345679", user_id: bsuid, text: "hi" });
    await waitFor(() => inboundValue() !== undefined);
    const both = inboundValue() ?? {};
    expect(both["contacts"][0]).toEqual({ profile: { name: "Mock Customer" }, wa_id: "491512345679", user_id: bsuid });
    expect(both["messages"][0]).toMatchObject({ from: "491512345679", from_user_id: bsuid });
    // The BSUID shares the phone's window: a free-form text to it is accepted, and its statuses name it.
    const sent = await send(base, text(bsuid));
    expect(sent.json.contacts[0]).toEqual({ input: bsuid, wa_id: "", user_id: bsuid });
    await waitFor(() => arrival(sent.json.messages[0].id).length >= 1);
    expect(arrival(sent.json.messages[0].id)[0]).toMatchObject({ recipient_id: "", recipient_user_id: bsuid });

    target.received.length = 0;
    await call(base, "POST", "/_mock/inbound", { from: "GB.77", text: "hidden phone" });
    await waitFor(() => inboundValue() !== undefined);
    const only = inboundValue() ?? {};
    expect(only["contacts"][0]).toEqual({ profile: { name: "Mock Customer" }, wa_id: "", user_id: "GB.77" });
    expect(only["messages"][0]).toMatchObject({ from_user_id: "GB.77" });
    expect(only["messages"][0]).not.toHaveProperty("from");

    target.received.length = 0;
    await call(base, "POST", "/_mock/config", { user_ids: true });
    await call(base, "POST", "/_mock/inbound", { from: "15551239901", text: "hi" });
    await waitFor(() => inboundValue() !== undefined);
    const auto = inboundValue() ?? {};
    const assigned: string = auto["contacts"][0].user_id;
    expect(assigned).toMatch(/^ZZ\.\d{20}$/);
    expect(auto["messages"][0]).toMatchObject({ from: "15551239901", from_user_id: assigned });
    const toPhone = await send(base, text("15551239901"));
    await waitFor(() => arrival(toPhone.json.messages[0].id).length >= 1);
    expect(arrival(toPhone.json.messages[0].id)[0]).toMatchObject({
      recipient_id: "15551239901",
      recipient_user_id: assigned,
    });
  });

  it("reviews a created template: APPROVED, or REJECTED when the name asks for it", async () => {
    const ok = await call(base, "POST", `/v25.0/${WABA}/message_templates`, newTemplate("fresh_one"));
    expect(ok.json).toEqual({ id: expect.stringMatching(/^\d+$/), status: "PENDING", category: "UTILITY" });
    const no = await call(base, "POST", `/v25.0/${WABA}/message_templates`, newTemplate("please_reject_promotional"));
    await waitFor(() => target.received.length >= 2);
    const events = target.received.map((r) => ({ time: r.body.entry[0]?.time, ...r.body.entry[0]?.changes[0] }));
    expect(events.every((e) => e.field === "message_template_status_update" && typeof e.time === "number")).toBe(true);
    const byName = Object.fromEntries(events.map((e) => [e.value?.["message_template_name"], e.value]));
    expect(byName["fresh_one"]).toMatchObject({
      event: "APPROVED",
      message_template_id: Number(ok.json.id),
      reason: "NONE",
    });
    expect(byName["please_reject_promotional"]).toMatchObject({ event: "REJECTED", reason: "PROMOTIONAL" });
    expect((await call(base, "GET", `/v25.0/${no.json.id}?fields=status`)).json).toEqual({
      status: "REJECTED",
      id: no.json.id,
    });
    expect((await send(base, template("15551230046", "fresh_one", ["x"], "en_US"))).status).toBe(200);
  });

  it("emits the status webhook when a template is paused through the control API", async () => {
    await call(base, "POST", "/_mock/templates", { name: "order_update", language: "en", status: "PAUSED" });
    await waitFor(() => target.received.length >= 1);
    expect(target.received[0]?.body.entry[0]?.changes[0]?.value).toMatchObject({
      event: "PAUSED",
      message_template_name: "order_update",
      other_info: { title: "FIRST_PAUSE" },
    });
    expect((await send(base, template("15551230047"))).json.error.code).toBe(132015);
  });

  it("emits quality and category webhooks like Meta, and the template list shows the new values", async () => {
    await call(base, "POST", "/_mock/templates", { name: "order_update", language: "en", quality: "RED" });
    await call(base, "POST", "/_mock/templates", { name: "order_update", language: "en", category: "MARKETING" });
    await waitFor(() => changes().length >= 2);
    const byField = Object.fromEntries(changes().map((c: any) => [c.field, c.value]));
    expect(byField["message_template_quality_update"]).toEqual({
      previous_quality_score: "GREEN",
      new_quality_score: "RED",
      message_template_id: expect.any(Number),
      message_template_name: "order_update",
      message_template_language: "en",
    });
    expect(byField["template_category_update"]).toMatchObject({
      message_template_name: "order_update",
      previous_category: "UTILITY",
      new_category: "MARKETING",
    });
    const listed = (await call(base, "GET", `/v25.0/${WABA}/message_templates?name=order_update`)).json.data;
    expect(listed.find((t: any) => t.language === "en")).toMatchObject({
      category: "MARKETING",
      previous_category: "UTILITY",
      quality_score: { score: "RED" },
    });
  });
});

/** Every change of every envelope received so far (Meta may batch several into one POST). */
function changes(): any[] {
  return target.received.flatMap((r) => r.body.entry.flatMap((e: any) => e.changes));
}
