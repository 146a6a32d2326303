// enqueueBatch: the single send's path for many recipients (campaign pages), against real Postgres, NATS, Redis.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OutboundRequest } from "../src/index.js";
import { openStack, phone, seedCustomer, seedTemplates, type Stack } from "./support.js";

let s: Stack;
const jakartaHour = Number(
  new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Jakarta", hour: "2-digit", hourCycle: "h23" }).format(Date.now()),
);
const hh = (n: number): string => `${String((n + 24) % 24).padStart(2, "0")}:00`;

beforeAll(async () => {
  s = await openStack();
  await seedTemplates(s.db);
  await s.db
    .insertInto("templates")
    .values({
      name: "flash_sale",
      locale: "en",
      category: "marketing",
      status: "PENDING",
      body_text: "{{1}}",
      parameter_count: 1,
      components: "[]",
    })
    .execute();
  await s.db
    .insertInto("policies")
    .values([
      {
        id: "quiet",
        name: "Quiet",
        type: "time_restriction",
        message_type: "marketing",
        rules: JSON.stringify({
          deny_after: hh(jakartaHour - 2),
          allow_after: hh(jakartaHour + 3),
          timezone: "recipient",
        }),
      },
      {
        id: "staff",
        name: "Staff",
        type: "segment_exclusion",
        message_type: "marketing",
        rules: JSON.stringify({ exclude_tag: "staff" }),
      },
    ])
    .execute();
});
afterAll(async () => {
  await s.close();
});

const welcome = (to: string, key?: string): OutboundRequest => ({
  to,
  message_type: "template",
  content: { type: "template", template_name: "welcome_offer", locale: "en", variables: ["x"] },
  ...(key ? { idempotency_key: key } : {}),
});
const flash = (to: string): OutboundRequest => ({
  to,
  message_type: "template",
  content: { type: "template", template_name: "flash_sale", variables: ["x"] },
});
const opts = { actor: "system" as const, tool: "campaign" };
/** A customer with marketing consent outside the quiet-hours policy's zone. */
const granted = async (to: string) => {
  await seedCustomer(s.db, to, { marketing: "granted" });
  await s.db.updateTable("customers").set({ timezone: "Europe/London" }).where("customer_id", "=", to).execute();
};
const marketingRows = async (to: string) =>
  s.db
    .selectFrom("messages")
    .select(["id", "status", "counts_toward_cap"])
    .where("customer_id", "=", to)
    .where("category", "=", "marketing")
    .execute();

describe("enqueueBatch", () => {
  it("applies every compliance rule per recipient, writes queued rows with their slots, audits and publishes them", async () => {
    const [ok, revoked, unknown, staff, ok2] = [phone(), phone(), phone(), phone(), phone()];
    await seedCustomer(s.db, ok, { marketing: "granted" });
    await seedCustomer(s.db, revoked, { marketing: "revoked" });
    await seedCustomer(s.db, unknown);
    await seedCustomer(s.db, staff, { marketing: "granted" });
    await s.db
      .updateTable("customers")
      .set({ tags: ["staff"] })
      .where("customer_id", "=", staff)
      .execute();
    await seedCustomer(s.db, ok2, { marketing: "granted" });
    await s.db
      .updateTable("customers")
      .set({ timezone: "Europe/London" })
      .where("customer_id", "in", [ok, revoked, unknown, staff, ok2])
      .execute();
    const before = await s.streamCount();
    const reqs = [ok, revoked, unknown, staff, "12345", ok2].map((to) => welcome(to, `b1:${to}`));
    const r = await s.messaging.enqueueBatch(reqs, opts);
    expect(r.halted).toBeNull();
    expect(r.results.map((x) => (x.ok ? x.status : x.reason_code))).toEqual([
      "queued",
      "USER_OPTED_OUT",
      "NO_OPT_IN",
      "POLICY_RESTRICTION",
      "INVALID_PHONE_NUMBER",
      "queued",
    ]);
    const ids = r.results.flatMap((x) => (x.ok ? [x.message_id] : []));
    const rows = await s.db.selectFrom("messages").selectAll().where("id", "in", ids).orderBy("customer_id").execute();
    expect(rows.map((m) => [m.status, m.counts_toward_cap, m.category, m.request_hash !== null])).toEqual([
      ["queued", true, "marketing", true],
      ["queued", true, "marketing", true],
    ]);
    expect(await s.streamCount()).toBe(before + 2);
    const audit = await s.db
      .selectFrom("audit_logs")
      .select(["action", "details"])
      .where("subject_id", "in", ids)
      .execute();
    expect(audit.map((a) => a.action)).toEqual(["message.queued", "message.queued"]);
    expect(audit[0]?.details).toMatchObject({ tool: "campaign", category: "marketing" });
    const snap = await s.state.getSnapshot({ customerId: ok });
    expect(snap.slots.map((x) => x.slotId)).toContain(rows.find((m) => m.customer_id === ok)!.id);

    const again = await s.messaging.enqueueBatch(reqs, opts);
    expect(again.results.filter((x) => x.ok).map((x) => x.ok && x.duplicate)).toEqual([true, true]);
    expect(await s.streamCount()).toBe(before + 2);
  });

  it("holds a recipient in quiet hours as scheduled until they end, without a slot, when asked to", async () => {
    const to = `6281${String(Date.now()).slice(-7)}55`;
    await seedCustomer(s.db, to, { marketing: "granted" });
    await s.db.updateTable("customers").set({ timezone: "Asia/Jakarta" }).where("customer_id", "=", to).execute();
    const skip = await s.messaging.enqueueBatch([welcome(to)], opts);
    expect(skip.results[0]).toMatchObject({ ok: false, reason_code: "POLICY_RESTRICTION" });
    const r = await s.messaging.enqueueBatch([welcome(to)], { ...opts, holdQuietHours: true });
    expect(r.results[0]).toMatchObject({ ok: true, status: "scheduled" });
    const m = (await marketingRows(to))[0]!;
    expect(m).toMatchObject({ status: "scheduled", counts_toward_cap: false });
  });

  it("halts at a refusal the caller names, writing nothing from there on", async () => {
    const [a, b] = [phone(), phone()];
    await granted(a);
    await granted(b);
    const r = await s.messaging.enqueueBatch([welcome(a), flash(b), welcome(b)], {
      ...opts,
      haltOn: ["TEMPLATE_NOT_APPROVED"],
    });
    expect(r.results.map((x) => x.ok)).toEqual([true]);
    expect(r.halted).toMatchObject({ reason_code: "TEMPLATE_NOT_APPROVED" });
    expect(await marketingRows(b)).toEqual([]);
  });

  it("keeps the cap exact when two batches reach the same customers at once", async () => {
    const ids = Array.from({ length: 40 }, () => phone());
    for (const id of ids) await granted(id);
    await s.db
      .insertInto("policies")
      .values({
        id: "cap1",
        name: "One a day",
        type: "frequency_limit",
        message_type: "marketing",
        rules: JSON.stringify({ max_per_day: 1 }),
      })
      .execute();
    s.compliance.invalidatePolicies();
    try {
      const [ra, rb] = await Promise.all([
        s.messaging.enqueueBatch(
          ids.map((to) => welcome(to, `A:${to}`)),
          opts,
        ),
        s.messaging.enqueueBatch(
          ids.toReversed().map((to) => welcome(to, `B:${to}`)),
          opts,
        ),
      ]);
      const all = [...ra.results, ...rb.results];
      expect([
        all.filter((x) => x.ok).length,
        all.filter((x) => !x.ok && x.reason_code === "FREQUENCY_CAP_EXCEEDED").length,
      ]).toEqual([40, 40]);
      for (const id of ids) expect((await marketingRows(id)).length).toBe(1);
    } finally {
      await s.db.deleteFrom("policies").where("id", "=", "cap1").execute();
      s.compliance.invalidatePolicies();
    }
  });

  it("shares one cap with single sends: agent sends and a batch to one customer at once queue exactly the cap", async () => {
    const to = phone();
    await granted(to);
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => s.messaging.enqueueOutbound(welcome(to), { actor: "agent" })),
      ...Array.from(
        { length: 5 },
        async (_, k) => (await s.messaging.enqueueBatch([welcome(to, `camp:${k}:${to}`)], opts)).results[0]!,
      ),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason_code === "FREQUENCY_CAP_EXCEEDED")).toBe(true);
    expect((await marketingRows(to)).filter((m) => m.counts_toward_cap)).toHaveLength(2);
  });
});
