// Templates kept current (issue 20): the claimed periodic sync brings Meta's pauses, quality and recategorizations
// into the table; list_templates shows them and every queueing tool refuses a paused or disabled template.
import { claimTemplateSync, startTemplateSync } from "@wa/compliance";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setupEnv, type Env, type Gateway } from "./harness.js";

let env: Env;
let gw: Gateway;
const COLD = "6281277700011";
const inHours = (h: number): string => new Date(Date.now() + h * 3_600_000).toISOString();

const control = (body: object) =>
  fetch(`${env.meta.url}/_mock/templates`, {
    method: "POST",
    body: JSON.stringify({ ...body, emit_webhook: false }),
  }).then((r) => r.json());
const templateListCalls = async (): Promise<number> => {
  const log = (await (await fetch(`${env.meta.url}/_mock/calls`)).json()) as { calls: { path: string }[] };
  return log.calls.filter((c) => c.path.endsWith("/message_templates")).length;
};
const quiet = { info: () => {}, warn: () => {} };

async function syncNow(): Promise<void> {
  const deps = gw.clients.deps;
  await deps.db.updateTable("template_sync_state").set({ claimed_at: null }).execute();
  const loop = startTemplateSync(deps, { everyMs: 60_000, claimAs: "test" }, quiet);
  await loop.first;
  loop.stop();
}

beforeAll(async () => {
  env = await setupEnv();
  gw = await env.gateway();
});
afterAll(async () => env?.close());
beforeEach(async () => {
  env.meta.mock.reset();
  await syncNow();
});

describe("the periodic template sync", () => {
  it("runs on one replica per period: the claim in template_sync_state", async () => {
    const deps = gw.clients.deps;
    await deps.db.updateTable("template_sync_state").set({ claimed_at: null }).execute();
    const before = await templateListCalls();
    const replicas = ["scheduler-a", "scheduler-b", "scheduler-c"].map((claimAs) =>
      startTemplateSync(deps, { everyMs: 60_000, claimAs }, quiet),
    );
    await Promise.all(replicas.map((r) => r.first));
    for (const r of replicas) r.stop();
    expect((await templateListCalls()) - before).toBe(1);
    const state = await deps.db.selectFrom("template_sync_state").selectAll().executeTakeFirstOrThrow();
    expect(["scheduler-a", "scheduler-b", "scheduler-c"]).toContain(state.claimed_by);
    expect(state).toMatchObject({ problem: null, synced_count: expect.any(Number) });
    expect(state.synced_at).not.toBeNull();
    // Within the period nobody else wins; once it is over, the next tick does.
    expect(await claimTemplateSync(deps.db, "scheduler-b", 60_000)).toBe(false);
    await deps.db
      .updateTable("template_sync_state")
      .set({ claimed_at: new Date(Date.now() - 61_000) })
      .execute();
    expect(await claimTemplateSync(deps.db, "scheduler-b", 60_000)).toBe(true);
  });

  it("records why a sync failed, and the stored copy keeps answering", async () => {
    await fetch(`${env.meta.url}/_mock/config`, { method: "POST", body: JSON.stringify({ token_revoked: true }) });
    await syncNow();
    const state = await gw.clients.deps.db.selectFrom("template_sync_state").selectAll().executeTakeFirstOrThrow();
    expect(state.problem).toMatch(/access token/i);
    expect((await gw.call("list_templates", {})).structured.total).toBeGreaterThanOrEqual(7);
  });
});

describe("list_templates after Meta changed a template", () => {
  it("shows quality, the new category and previous_category", async () => {
    await control({ name: "order_update", language: "en", quality: "RED", category: "MARKETING" });
    await syncNow();
    const r = await gw.call("list_templates", { locale_filter: "en" });
    const t = (r.structured.templates as Record<string, unknown>[]).find((x) => x.name === "order_update");
    expect(t).toMatchObject({
      category: "MARKETING",
      previous_category: "UTILITY",
      quality: "RED",
      status: "APPROVED",
    });
    const never = (r.structured.templates as Record<string, unknown>[]).find((x) => x.name === "otp_code");
    expect(never).toMatchObject({ previous_category: null, quality: "GREEN" });
  });
});

const tools = (template: string) =>
  [
    ["send_template", { to: COLD, template_name: template, variables: ["Ana", "A-1"] }],
    [
      "schedule_message",
      {
        customer_id: COLD,
        message_type: "utility",
        content: { type: "template", template_name: template, variables: ["Ana", "A-1"] },
        deliver_at: inHours(2),
      },
    ],
    [
      "schedule_campaign",
      {
        name: "paused",
        type: "utility",
        template_name: template,
        variables: ["Ana", "A-1"],
        deliver_at: inHours(2),
      },
    ],
  ] as const;

describe("a template Meta paused or disabled is refused before queueing", () => {
  it("PAUSED: every tool answers TEMPLATE_NOT_APPROVED naming Meta's pause and what to do; nothing is queued", async () => {
    await control({ name: "order_update", language: "en", status: "PAUSED", quality: "RED" });
    await syncNow();
    const db = gw.clients.deps.db;
    const before = await db
      .selectFrom("messages")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    for (const [tool, args] of tools("order_update")) {
      const r = await gw.call(tool, args);
      expect(r.isError, tool).toBe(true);
      expect(r.structured, tool).toMatchObject({ reason_code: "TEMPLATE_NOT_APPROVED" });
      expect(r.structured.human_explanation, tool).toMatch(/PAUSED by Meta \(quality RED\)/);
      expect(r.structured.suggested_action, tool).toMatch(/comes back by itself.*another APPROVED template/);
    }
    const after = await db
      .selectFrom("messages")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    expect(await db.selectFrom("campaigns").select("id").where("name", "=", "paused").execute()).toEqual([]);
  });

  it("DISABLED: refused with create_template as the way out", async () => {
    await control({ name: "order_update", language: "en", status: "DISABLED" });
    await syncNow();
    for (const [tool, args] of tools("order_update")) {
      const r = await gw.call(tool, args);
      expect(r.structured, tool).toMatchObject({ reason_code: "TEMPLATE_NOT_APPROVED" });
      expect(r.structured.suggested_action, tool).toMatch(/disabled it permanently.*create_template/);
    }
  });

  it("sends again once Meta reinstates it and the sync brings it back", async () => {
    await control({ name: "order_update", language: "en", status: "PAUSED" });
    await syncNow();
    expect((await gw.call(...tools("order_update")[0])).structured.reason_code).toBe("TEMPLATE_NOT_APPROVED");
    await control({ name: "order_update", language: "en", status: "APPROVED" });
    await syncNow();
    expect((await gw.call(...tools("order_update")[0])).structured).toMatchObject({ status: "queued" });
  });
});
