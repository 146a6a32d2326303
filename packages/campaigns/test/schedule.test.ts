import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scheduleCampaign, type ScheduleCampaignInput } from "../src/index.js";
import { auditActions, openTestDb, seedCustomers, seedTemplates, type TestDb } from "./support.js";

let h: TestDb;
const now = Date.parse("2026-03-01T10:00:00Z");
const base: ScheduleCampaignInput = {
  name: "Spring sale",
  type: "marketing",
  template_name: "welcome_offer",
  variables: ["friend"],
  audience_filter: { include_tags: ["vip"] },
  deliver_at: "2026-03-01T12:00:00Z",
};

beforeAll(async () => {
  h = await openTestDb();
  await seedTemplates(h.db);
  await seedCustomers(h.db, [
    { customer_id: "6281100000001", tags: ["vip"] },
    { customer_id: "6281100000002", tags: ["vip"] },
    { customer_id: "6281100000003" },
  ]);
});
afterAll(async () => h?.close());

const schedule = (over: Partial<ScheduleCampaignInput>) =>
  scheduleCampaign({ db: h.db, now: () => now }, { ...base, ...over });

describe("scheduleCampaign", () => {
  it("stores a scheduled campaign with the audience estimate and an audit entry", async () => {
    const r = await schedule({});
    expect(r).toMatchObject({
      ok: true,
      status: "scheduled",
      audience_estimate: 2,
      deliver_at: "2026-03-01T12:00:00.000Z",
    });
    if (!r.ok) return;
    const row = await h.db
      .selectFrom("campaigns")
      .selectAll()
      .where("id", "=", r.campaign_id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      status: "scheduled",
      run: 0,
      cursor: null,
      audience_count: 2,
      locale: "en",
      variables: ["friend"],
      audience_filter: { include_tags: ["vip"] },
    });
    expect(await auditActions(h.db, r.campaign_id)).toEqual(["campaign.scheduled"]);
  });

  it("treats a deliver_at a moment ago as now", async () => {
    const r = await schedule({ deliver_at: "2026-03-01T09:58:00Z" });
    expect(r).toMatchObject({ ok: true, deliver_at: "2026-03-01T10:00:00.000Z" });
  });

  it.each([
    [{ template_name: "nope" }, "TEMPLATE_NOT_FOUND"],
    [{ template_name: "flash_sale", variables: [] }, "TEMPLATE_NOT_APPROVED"],
    [{ template_name: "new_arrivals", variables: [] }, "TEMPLATE_NOT_APPROVED"],
    [{ variables: [] }, "TEMPLATE_VARIABLES_MISMATCH"],
    [{ variables: { name: "x" } }, "TEMPLATE_VARIABLES_MISMATCH"],
    [{ type: "utility" }, "INVALID_ARGUMENT"],
    [
      { type: "utility", template_name: "shipping_named", variables: { first_name: "A" } },
      "TEMPLATE_VARIABLES_MISMATCH",
    ],
    [{ type: "authentication" }, "INVALID_ARGUMENT"],
    [{ name: " " }, "INVALID_ARGUMENT"],
    [{ deliver_at: "tomorrow" }, "INVALID_ARGUMENT"],
    [{ deliver_at: "2026-02-28T10:00:00Z" }, "INVALID_ARGUMENT"],
    [{ deliver_at: "2026-04-15T10:00:00Z" }, "INVALID_ARGUMENT"],
    [{ audience_filter: { include_tags: "vip" } }, "INVALID_ARGUMENT"],
    [{ channel: "sms" }, "INVALID_ARGUMENT"],
    [{ locale: "fr" }, "TEMPLATE_NOT_FOUND"],
  ] as [Partial<ScheduleCampaignInput>, string][])("refuses %j with %s", async (over, code) => {
    const r = await schedule(over);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason_code).toBe(code);
      expect(r.human_explanation.length).toBeGreaterThan(10);
      expect(r.suggested_action.length).toBeGreaterThan(10);
    }
  });

  it("accepts named variables for a named utility template", async () => {
    const r = await schedule({
      type: "utility",
      template_name: "shipping_named",
      variables: { order_id: "1", first_name: "A" },
    });
    expect(r.ok).toBe(true);
  });
});
