import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@wa/db";
import { setupEnv, type Env, type Gateway } from "./harness.js";

let env: Env;
let gw: Gateway;
let db: Db;

const inHours = (h: number): string => new Date(Date.now() + h * 3_600_000).toISOString();
const utility = (over: Record<string, unknown> = {}) => ({
  name: "Order reminders",
  type: "utility",
  template_name: "order_update",
  variables: ["Ana", "A-1001"],
  audience_filter: { include_tags: ["buyers"] },
  deliver_at: inHours(1),
  ...over,
});

beforeAll(async () => {
  env = await setupEnv();
  gw = await env.gateway();
  db = gw.clients.deps.db;
  const state = gw.clients.deps.state;
  for (const id of ["6281200000110", "6281200000120", "6281200000130"])
    await state.updateTags({ customerId: id }, { add: ["buyers"] });
  await state.updateTags({ customerId: "6281200000140" }, { add: ["other"] });
});
afterAll(async () => env?.close());

describe("schedule_campaign", () => {
  it("stores a scheduled campaign with its audience estimate, audited as agent", async () => {
    const r = await gw.call("schedule_campaign", utility());
    expect(r.isError).toBe(false);
    expect(r.structured).toMatchObject({ status: "scheduled", audience_estimate: 3 });
    const id = r.structured.campaign_id as string;
    const audit = await db.selectFrom("audit_logs").selectAll().where("subject_id", "=", id).executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor: "agent", action: "campaign.scheduled" });
    const all = await gw.call("schedule_campaign", utility({ audience_filter: undefined }));
    expect(all.structured.audience_estimate).toBe(4);
  });

  it.each([
    ["TEMPLATE_NOT_FOUND", { template_name: "no_such_template" }],
    ["TEMPLATE_NOT_APPROVED", { type: "marketing", template_name: "new_arrivals", variables: undefined }],
    ["TEMPLATE_VARIABLES_MISMATCH", { variables: ["only one"] }],
    ["INVALID_ARGUMENT", { type: "marketing" }], // the template is UTILITY
    ["INVALID_ARGUMENT", { deliver_at: inHours(24 * 31) }],
    ["INVALID_ARGUMENT", { deliver_at: "tomorrow" }],
    ["INVALID_ARGUMENT", { audience_filter: { include_tags: ["BAD TAG"] } }],
    ["INVALID_ARGUMENT", { audience_filter: { unknown_field: 1 } }],
    ["INVALID_ARGUMENT", { type: "service" }],
  ])("refuses with %s (%j)", async (code, over) => {
    const r = await gw.call("schedule_campaign", utility(over));
    expect(r.isError).toBe(true);
    expect(r.structured.reason_code).toBe(code);
  });
});

describe("pause / resume / cancel / get_campaign", () => {
  it("walks the lifecycle and refuses the transitions the contract forbids", async () => {
    const id = (await gw.call("schedule_campaign", utility())).structured.campaign_id as string;

    const paused = await gw.call("pause_campaign", { campaign_id: id });
    expect(paused.structured).toMatchObject({
      campaign_id: id,
      status: "paused",
      from_status: "scheduled",
      progress: { pct: 0 },
    });
    expect((await gw.call("pause_campaign", { campaign_id: id })).structured.reason_code).toBe(
      "INVALID_STATE_TRANSITION",
    );

    const resumed = await gw.call("resume_campaign", { campaign_id: id });
    expect(resumed.structured).toMatchObject({ status: "scheduled", from_status: "paused" }); // its time has not come
    expect((await gw.call("resume_campaign", { campaign_id: id })).structured.reason_code).toBe(
      "INVALID_STATE_TRANSITION",
    );

    const cancelled = await gw.call("cancel_campaign", { campaign_id: id, reason: "wrong audience" });
    expect(cancelled.structured).toEqual({
      campaign_id: id,
      status: "cancelled",
      from_status: "scheduled",
      messages_cancelled: 0,
    });
    expect((await gw.call("cancel_campaign", { campaign_id: id })).structured.reason_code).toBe(
      "CAMPAIGN_TERMINAL_STATE",
    );
    expect((await gw.call("resume_campaign", { campaign_id: id })).structured.reason_code).toBe(
      "CAMPAIGN_TERMINAL_STATE",
    );
    expect((await gw.call("pause_campaign", { campaign_id: id })).structured.reason_code).toBe(
      "INVALID_STATE_TRANSITION",
    );

    const view = await gw.call("get_campaign", { campaign_id: id });
    expect(view.structured).toMatchObject({
      campaign_id: id,
      status: "cancelled",
      status_reason: "wrong audience",
      name: "Order reminders",
    });
    const actions = await db
      .selectFrom("audit_logs")
      .select(["action", "actor"])
      .where("subject_id", "=", id)
      .orderBy("id")
      .execute();
    expect(actions.map((a) => a.action)).toEqual([
      "campaign.scheduled",
      "campaign.paused",
      "campaign.resumed",
      "campaign.cancelled",
    ]);
    expect(actions.every((a) => a.actor === "agent")).toBe(true);
  });

  it("resumes a due campaign to running and publishes its trigger on NATS", async () => {
    const id = (
      await gw.call("schedule_campaign", utility({ deliver_at: new Date(Date.now() - 60_000).toISOString() }))
    ).structured.campaign_id as string;
    await gw.call("pause_campaign", { campaign_id: id });
    const r = await gw.call("resume_campaign", { campaign_id: id });
    expect(r.structured).toMatchObject({ status: "running", from_status: "paused" });
    const js = gw.clients.deps.bus.js();
    expect(js).not.toBeNull();
    const stream = await js!.streams.get(env.base.CAMPAIGN_STREAM ?? "");
    expect((await stream.info()).state.messages).toBeGreaterThanOrEqual(1);
  });

  it("cancels the campaign's queued messages", async () => {
    const id = (await gw.call("schedule_campaign", utility())).structured.campaign_id as string;
    await db
      .insertInto("messages")
      .values({
        customer_id: "6281200000110",
        direction: "outbound",
        category: "utility",
        kind: "template",
        campaign_id: id,
        content: JSON.stringify({ type: "template", template_name: "order_update" }),
        status: "queued",
        queued_at: new Date(),
      })
      .execute();
    const r = await gw.call("cancel_campaign", { campaign_id: id });
    expect(r.structured).toMatchObject({ status: "cancelled", messages_cancelled: 1 });
    const view = await gw.call("get_campaign", { campaign_id: id });
    expect(view.structured).toMatchObject({ counters: { cancelled: 1, audience: 3 } });
  });

  it("shows counters and answers NOT_FOUND / INVALID_ARGUMENT for bad ids", async () => {
    const id = (await gw.call("schedule_campaign", utility())).structured.campaign_id as string;
    const r = await gw.call("get_campaign", { campaign_id: id });
    expect(r.structured).toMatchObject({
      status: "scheduled",
      type: "utility",
      template_name: "order_update",
      locale: "en",
      progress_pct: 0,
      counters: { audience: 3, enqueued: 0, sent: 0, delivered: 0, read: 0, failed: 0, skipped_by_reason: {} },
    });
    expect((r.structured.timestamps as Record<string, unknown>).scheduled_at).toBeTruthy();
    const missing = "00000000-0000-4000-8000-000000000000";
    for (const tool of ["get_campaign", "pause_campaign", "resume_campaign", "cancel_campaign"]) {
      expect((await gw.call(tool, { campaign_id: missing })).structured.reason_code, tool).toBe("NOT_FOUND");
      expect((await gw.call(tool, { campaign_id: "campaign-1" })).structured.reason_code, tool).toBe(
        "INVALID_ARGUMENT",
      );
      expect((await gw.call(tool, {})).structured.reason_code, tool).toBe("INVALID_ARGUMENT");
    }
  });
});
