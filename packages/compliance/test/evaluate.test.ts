import type { NewTemplateRow } from "@wa/db";
import { createStateStore, reserveFrequencySlot } from "@wa/state";
import { beforeAll, describe, expect, it } from "vitest";
import { createCompliance, type Decision, loadPolicies } from "../src/index.js";
import { countingRedis, idNumber, REPO_POLICIES, useEnv } from "./env.js";
import { denied } from "./fixtures.js";

const env = useEnv();
const H = 60 * 60 * 1000;
const NOON_JAKARTA = Date.parse("2025-06-02T05:00:00Z");
const NIGHT_JAKARTA = Date.parse("2025-06-02T15:00:00Z"); // 22:00

function setup(now = NOON_JAKARTA, redis = env.redis) {
  const clock = { t: now };
  const state = createStateStore({ db: env.db, redis, keyPrefix: env.prefix, now: () => clock.t });
  const decisions: Decision[] = [];
  // A frozen cache clock: caches change here only through the invalidation hooks (expiry: policy-propagation.test.ts).
  const compliance = createCompliance({
    db: env.db,
    state,
    now: () => clock.t,
    monotonic: () => 0,
    onDecision: (d) => decisions.push(d),
  });
  return { clock, state, compliance, decisions };
}

beforeAll(async () => {
  await loadPolicies(env.db, REPO_POLICIES);
  const base = { components: "[]" };
  const rows: NewTemplateRow[] = [
    { ...base, name: "promo_june", locale: "en", category: "marketing", status: "APPROVED", parameter_count: 1 },
    {
      ...base,
      name: "order_update",
      locale: "en",
      category: "utility",
      status: "APPROVED",
      parameter_format: "named",
      parameter_names: ["order_id"],
    },
    { ...base, name: "login_code", locale: "en", category: "authentication", status: "APPROVED", parameter_count: 1 },
  ];
  await env.db.insertInto("templates").values(rows).execute();
});

describe("evaluate (shell over real Postgres and Redis)", () => {
  it("allows an opted-in customer, then denies at once after an opt-out written by another store", async () => {
    const { compliance, state, decisions } = setup();
    const id = idNumber();
    await state.setConsent({ customerId: id }, { marketing: "granted" }, { source: "web form" });
    const req = {
      customer_id: `+${id}`,
      message_type: "template" as const,
      template_name: "promo_june",
      variables: ["Ann"],
    };
    expect(await compliance.evaluate(req)).toMatchObject({ allowed: true, category: "marketing", customer_id: id });

    const webhookSide = createStateStore({
      db: env.db,
      redis: env.redis,
      keyPrefix: env.prefix,
      now: () => NOON_JAKARTA,
    });
    await webhookSide.setConsent(
      { customerId: id },
      { marketing: "revoked" },
      { source: "inbound_keyword", actor: "webhook" },
    );
    expect(await compliance.evaluate(req)).toMatchObject({ allowed: false, reason_code: "USER_OPTED_OUT" });
    expect(decisions.map((d) => d.allowed)).toEqual([true, false]); // metrics hook
  });

  it("decides a known customer with a warm cache in one Redis round trip and no Postgres", async () => {
    const counting = countingRedis(env.redis);
    const { compliance, state } = setup(NOON_JAKARTA, counting.client);
    const id = idNumber();
    await state.setConsent({ customerId: id }, { marketing: "granted" }, { source: "api" });
    await state.recordInbound({ customerId: id }, NOON_JAKARTA - H);
    const req = { customer_id: id, message_type: "template" as const, template_name: "promo_june", variables: ["Ann"] };
    await compliance.evaluate(req); // warms templates, policies and the frequency mirror
    counting.reset();
    const before = env.acquires();
    const d = await compliance.evaluate(req);
    expect(d.allowed).toBe(true);
    expect(counting.trips()).toBe(1);
    expect(env.acquires()).toBe(before);
  });

  it("applies the default policies: quiet hours in the recipient's zone and the cap of 2", async () => {
    const { compliance, state, clock } = setup(NIGHT_JAKARTA);
    const id = idNumber();
    await state.setConsent({ customerId: id }, { marketing: "granted" }, { source: "api" });
    const night = await compliance.evaluate({ customer_id: id, message_type: "marketing" });
    expect(night).toMatchObject({
      reason_code: "POLICY_RESTRICTION",
      policy_id: "marketing_quiet_hours",
      opens_at: "2025-06-03T01:00:00.000Z",
    });
    expect((await compliance.evaluate({ customer_id: id, message_type: "utility" })).allowed).toBe(true);
    expect(
      (
        await compliance.evaluate({
          customer_id: id,
          message_type: "template",
          template_name: "login_code",
          variables: ["123456"],
        })
      ).allowed,
    ).toBe(true);

    clock.t = NOON_JAKARTA + 24 * H;
    for (const offset of [3 * H, 2 * H]) {
      const at = clock.t - offset;
      const r = await env.db.transaction().execute(async (trx) => {
        const res = await reserveFrequencySlot(trx, { customerId: id, cap: await compliance.capFor(), now: at });
        const row = await trx
          .insertInto("messages")
          .values({
            customer_id: id,
            direction: "outbound",
            category: "marketing",
            kind: "template",
            content: "{}",
            status: "queued",
            counts_toward_cap: true,
            queued_at: new Date(at),
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        return { res, id: row.id };
      });
      await state.mirrorReservation({ customerId: id }, r.res, r.id);
    }
    const capped = denied(await compliance.evaluate({ customer_id: id, message_type: "marketing" }));
    expect(capped).toMatchObject({
      reason_code: "FREQUENCY_CAP_EXCEEDED",
      resets_at: new Date(clock.t - 3 * H + 24 * H).toISOString(),
    });
    expect(await compliance.frequencyCap(id)).toMatchObject({
      customer_id: id,
      is_capped: true,
      sent_last_24h: 2,
      cap: 2,
      resets_at: capped.resets_at,
    });
    expect(await compliance.frequencyCap("123")).toBeNull();
  });

  it("50 concurrent marketing sends with a cap of 2 queue exactly 2", async () => {
    const { compliance, state } = setup();
    const id = idNumber();
    await state.setConsent({ customerId: id }, { marketing: "granted" }, { source: "api" });
    const send = async (): Promise<boolean> => {
      const decision = await compliance.evaluate({
        customer_id: id,
        message_type: "template",
        template_name: "promo_june",
        variables: ["Ann"],
      });
      if (!decision.allowed) return false;
      const cap = await compliance.capFor();
      return env.db.transaction().execute(async (trx) => {
        const r = await reserveFrequencySlot(trx, { customerId: id, cap, now: NOON_JAKARTA });
        if (!r.ok) return false;
        await trx
          .insertInto("messages")
          .values({
            customer_id: id,
            direction: "outbound",
            category: "marketing",
            kind: "template",
            content: "{}",
            status: "queued",
            counts_toward_cap: true,
            queued_at: new Date(r.at),
          })
          .execute();
        return true;
      });
    };
    const results = await Promise.all(Array.from({ length: 50 }, send));
    expect(results.filter(Boolean)).toHaveLength(2);
  });

  it("sees template and policy changes after the invalidation hooks", async () => {
    const { compliance, state } = setup(NIGHT_JAKARTA);
    const id = idNumber();
    await state.setConsent({ customerId: id }, { utility: "granted" }, { source: "api" });
    const req = {
      customer_id: id,
      message_type: "template" as const,
      template_name: "order_update",
      variables: { order_id: "A-1" },
    };
    expect((await compliance.evaluate(req)).allowed).toBe(true);
    await env.db.updateTable("templates").set({ status: "PAUSED" }).where("name", "=", "order_update").execute();
    expect((await compliance.evaluate(req)).allowed).toBe(true); // cached
    compliance.invalidateTemplate();
    expect(await compliance.evaluate(req)).toMatchObject({ reason_code: "TEMPLATE_NOT_APPROVED" });

    await state.setConsent({ customerId: id }, { marketing: "granted" }, { source: "api" });
    expect(denied(await compliance.evaluate({ customer_id: id, message_type: "marketing" })).reason_code).toBe(
      "POLICY_RESTRICTION",
    );
    await env.db.updateTable("policies").set({ enabled: false }).where("id", "=", "marketing_quiet_hours").execute();
    compliance.invalidatePolicies();
    expect((await compliance.evaluate({ customer_id: id, message_type: "marketing" })).allowed).toBe(true);
    await env.db.updateTable("policies").set({ enabled: true }).where("id", "=", "marketing_quiet_hours").execute();
    await env.db.updateTable("templates").set({ status: "APPROVED" }).where("name", "=", "order_update").execute();
  });

  it("gives every category's eligibility from one snapshot", async () => {
    const { compliance, state } = setup();
    const id = idNumber();
    await state.recordInbound({ customerId: id }, NOON_JAKARTA - H);
    const e = await compliance.eligibility(id);
    expect(Object.fromEntries(Object.entries(e).map(([k, d]) => [k, d.allowed ? "ok" : d.reason_code]))).toEqual({
      marketing: "NO_OPT_IN",
      utility: "ok",
      authentication: "ok",
      service: "ok",
    });
  });

  it("keeps deciding from Postgres when Redis is unreachable", async () => {
    const { createRedis } = await import("@wa/ratelimit");
    const down = createRedis("redis://127.0.0.1:1", { commandTimeoutMs: 50 });
    try {
      const { compliance, state } = setup(NOON_JAKARTA, down);
      const id = idNumber();
      await state.setConsent({ customerId: id }, { marketing: "granted" }, { source: "api" });
      await state.recordInbound({ customerId: id }, NOON_JAKARTA - H);
      expect(await compliance.evaluate({ customer_id: id, message_type: "service" })).toMatchObject({ allowed: true });
      expect(
        await compliance.evaluate({
          customer_id: id,
          message_type: "template",
          template_name: "promo_june",
          variables: ["A"],
        }),
      ).toMatchObject({ allowed: true });
      expect(await compliance.frequencyCap(id)).toMatchObject({ is_capped: false, sent_last_24h: 0, cap: 2 });
      expect((await compliance.eligibility(id)).marketing.allowed).toBe(true);
    } finally {
      down.disconnect();
    }
  });
});
