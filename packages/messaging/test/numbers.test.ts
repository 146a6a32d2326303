import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OutboundRequest } from "../src/index.js";
import { openStack, phone, seedTemplates, type Stack } from "./support.js";

// accounts.yaml as the send path sees it: business X (channel whatsapp:x) has numbers A and B, business Y
// (whatsapp:y) has number C. The window is per (number, customer); consent and the cap per business.
const A = { phone_number_id: "710000000000001", channel: "whatsapp:x" };
const B = { phone_number_id: "710000000000002", channel: "whatsapp:x" };
const C = { phone_number_id: "720000000000001", channel: "whatsapp:y" };
const opts = { actor: "agent" as const, tool: "test" };
const text = (to: string, from: OutboundRequest["from"]): OutboundRequest => ({
  to,
  content: { type: "text", text: "Your parcel is on its way" },
  ...(from ? { from } : {}),
});
const offer = (to: string, from: OutboundRequest["from"], extra: Partial<OutboundRequest> = {}): OutboundRequest => ({
  to,
  content: { type: "template", template_name: "welcome_offer", locale: "en", variables: ["Ann"] },
  ...(from ? { from } : {}),
  ...extra,
});

let s: Stack;
beforeAll(async () => {
  s = await openStack({ defaultCap: 1 });
  await seedTemplates(s.db);
});
afterAll(async () => {
  await s.close();
});

const grant = (to: string, channel: string) =>
  s.state.setConsent({ customerId: to, channel }, { marketing: "granted" }, { source: "test", actor: "agent" });

describe("sending from a number", () => {
  it("the window is the one with the sending number: a reply from A goes, from B needs a template", async () => {
    const to = phone();
    await s.state.recordInbound({ customerId: to, channel: A.channel, phoneNumberId: A.phone_number_id }, Date.now());
    const fromA = await s.messaging.enqueueOutbound(text(to, A), opts);
    expect(fromA).toMatchObject({ ok: true, status: "queued" });
    if (!fromA.ok) return;
    const row = await s.db
      .selectFrom("messages")
      .selectAll()
      .where("id", "=", fromA.message_id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ channel: "whatsapp:x", phone_number_id: A.phone_number_id });
    expect(await s.messaging.enqueueOutbound(text(to, B), opts)).toMatchObject({
      ok: false,
      reason_code: "TEMPLATE_REQUIRED",
    });
    // Without `from`: the default number on the default business, which has never heard from this customer.
    expect(await s.messaging.enqueueOutbound(text(to, undefined), opts)).toMatchObject({
      ok: false,
      reason_code: "TEMPLATE_REQUIRED",
    });
  });

  it("consent is the business's: revoked for X blocks marketing from B, not from C (business Y)", async () => {
    const to = phone();
    await grant(to, "whatsapp:x");
    await grant(to, "whatsapp:y");
    await s.state.setConsent(
      { customerId: to, channel: "whatsapp:x" },
      { marketing: "revoked" },
      { source: "inbound_keyword", actor: "system" },
    );
    expect(await s.messaging.enqueueOutbound(offer(to, B), opts)).toMatchObject({
      ok: false,
      reason_code: "USER_OPTED_OUT",
    });
    const fromC = await s.messaging.enqueueOutbound(offer(to, C), opts);
    expect(fromC).toMatchObject({ ok: true, category: "marketing" });
  });

  it("the cap is per business: A's marketing counts for B, not for C", async () => {
    const to = phone();
    await grant(to, "whatsapp:x");
    await grant(to, "whatsapp:y");
    expect(await s.messaging.enqueueOutbound(offer(to, A), opts)).toMatchObject({ ok: true });
    expect(await s.messaging.enqueueOutbound(offer(to, B), opts)).toMatchObject({
      ok: false,
      reason_code: "FREQUENCY_CAP_EXCEEDED",
    });
    expect(await s.messaging.enqueueOutbound(offer(to, C), opts)).toMatchObject({ ok: true });
  });

  it("a batch over two businesses writes each with its own number, consent and cap", async () => {
    const [p, q] = [phone(), phone()];
    for (const to of [p, q]) {
      await grant(to, "whatsapp:x");
      await grant(to, "whatsapp:y");
    }
    const r = await s.messaging.enqueueBatch([offer(p, A), offer(p, C), offer(q, B), offer(p, B)], opts);
    expect(r.results.map((x) => (x.ok ? "ok" : x.reason_code))).toEqual([
      "ok",
      "ok",
      "ok",
      "FREQUENCY_CAP_EXCEEDED", // p already got A's marketing: the cap of 1 is X's, A and B alike
    ]);
    const ids = r.results.flatMap((x) => (x.ok ? [x.message_id] : []));
    const rows = await s.db
      .selectFrom("messages")
      .select(["customer_id", "channel", "phone_number_id"])
      .where("id", "in", ids)
      .execute();
    expect(rows.map((x) => `${x.customer_id}:${x.channel}:${x.phone_number_id}`).toSorted()).toEqual(
      [
        `${p}:whatsapp:x:${A.phone_number_id}`,
        `${p}:whatsapp:y:${C.phone_number_id}`,
        `${q}:whatsapp:x:${B.phone_number_id}`,
      ].toSorted(),
    );
  });

  it("the idempotency key knows the number: the same content from another number is another message", async () => {
    const to = phone();
    await grant(to, "whatsapp:x");
    const key = { idempotency_key: `num-${to}` };
    const first = await s.messaging.enqueueOutbound(offer(to, A, key), opts);
    expect(first).toMatchObject({ ok: true });
    expect(await s.messaging.enqueueOutbound(offer(to, A, key), opts)).toMatchObject({ ok: true, duplicate: true });
    expect(await s.messaging.enqueueOutbound(offer(to, B, key), opts)).toMatchObject({
      ok: false,
      reason_code: "DUPLICATE_REQUEST",
    });
  });

  it("refuses a malformed from", async () => {
    const r = await s.messaging.enqueueOutbound(text(phone(), { phone_number_id: "abc", channel: "whatsapp:x" }), opts);
    expect(r).toMatchObject({ ok: false, reason_code: "INVALID_ARGUMENT" });
  });
});
