import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { configuredIdentity } from "@wa/agents";
import { SEED_TEMPLATES } from "@wa/mock-meta";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forRemoteAgent } from "../src/deps.js";
import { createGatewayServer } from "../src/server.js";
import type { Gateway } from "./harness.js";
import { A, C, type ManyNumbers, startManyNumbers, WABA_X, WABA_Y } from "./many-numbers-stack.js";

// Templates belong to a WABA (Meta's model; mock-meta keeps them per WABA and answers 132001 to a send of another
// WABA's template). Through the real gateway: X (number A) and Y (number C), each with a template the other lacks.
let stack: ManyNumbers;
let gw: Gateway;

const templateRow = (waba_id: string, name: string) => ({
  waba_id,
  name,
  locale: "en",
  category: "utility" as const,
  status: "APPROVED",
  components: "[]",
  synced_at: new Date(),
});
const names = (r: Awaited<ReturnType<Gateway["call"]>>) =>
  (r.structured.templates as { name: string }[]).map((t) => t.name);

beforeAll(async () => {
  stack = await startManyNumbers();
  gw = stack.gw;
  await gw.clients.deps.db
    .insertInto("templates")
    .values([templateRow(WABA_X, "x_only_notice"), templateRow(WABA_Y, "y_only_notice")])
    .execute();
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const queuedWith = async (template: string) =>
  (await gw.clients.deps.db.selectFrom("messages").select("id").where("template_name", "=", template).execute()).length;

describe("templates per WABA", () => {
  it("the start-up sync read each WABA's templates with its own token, under its waba_id", async () => {
    const rows = await gw.clients.deps.db
      .selectFrom("templates")
      .select(["waba_id", "name", "meta_id"])
      .where("meta_id", "is not", null)
      .execute();
    for (const waba of [WABA_X, WABA_Y]) {
      const mine = rows.filter((r) => r.waba_id === waba);
      expect(mine.map((r) => r.name).toSorted()).toEqual(SEED_TEMPLATES.map((t) => t.name).toSorted());
    }
    // mock-meta shifts each account's template ids: Y's copies are Y's own objects, read with Y's token
    const ids = (waba: string) => new Set(rows.filter((r) => r.waba_id === waba).map((r) => r.meta_id));
    expect([...ids(WABA_X)].some((id) => ids(WABA_Y).has(id))).toBe(false);
  });

  it("list_templates from a number lists its WABA's templates only, and says which WABA", async () => {
    const fromA = await gw.call("list_templates", { from: A, limit: 200 });
    expect(fromA.isError, fromA.text).toBe(false);
    expect(fromA.structured).toMatchObject({ waba_id: WABA_X, from: { phone_number_id: A, business_id: "x" } });
    expect(names(fromA)).toContain("x_only_notice");
    expect(names(fromA)).not.toContain("y_only_notice");
    const fromC = await gw.call("list_templates", { from: C, limit: 200 });
    expect(fromC.structured).toMatchObject({ waba_id: WABA_Y, from: { phone_number_id: C, business_id: "y" } });
    expect(names(fromC)).toContain("y_only_notice");
    expect(names(fromC)).not.toContain("x_only_notice");
    expect(fromC.structured.total).toBe(SEED_TEMPLATES.length + 1);
    // no from: the default number's (A's) WABA
    expect((await gw.call("list_templates", { limit: 200 })).structured).toMatchObject({ waba_id: WABA_X });
  });

  it("send_template of Y's template from X's number is refused before queueing, naming the WABAs", async () => {
    const to = stack.customer();
    const r = await gw.call("send_template", { to, template_name: "y_only_notice", from: A });
    expect(r.isError).toBe(true);
    expect(r.structured).toMatchObject({ reason_code: "TEMPLATE_NOT_FOUND" });
    expect(r.text).toContain(`WABA ${WABA_X}`);
    expect(r.text).toContain(`WABA ${WABA_Y}'s`);
    expect(await queuedWith("y_only_notice")).toBe(0);
    const ok = await gw.call("send_template", { to, template_name: "y_only_notice", from: C });
    expect(ok.isError, ok.text).toBe(false);
    expect(ok.structured).toMatchObject({ status: "queued", from: { phone_number_id: C } });
    expect(await queuedWith("y_only_notice")).toBe(1);
  });

  it("check_compliance and schedule_campaign judge the template of the sending number's WABA", async () => {
    const to = stack.customer();
    const check = await gw.call("check_compliance", {
      customer_id: to,
      message_type: "template",
      template_name: "x_only_notice",
      from: C,
    });
    expect(check.structured).toMatchObject({ allowed: false, reason_code: "TEMPLATE_NOT_FOUND" });
    const campaign = await gw.call("schedule_campaign", {
      name: "wrong waba",
      type: "utility",
      template_name: "x_only_notice",
      audience_filter: {},
      deliver_at: new Date(Date.now() + 3_600_000).toISOString(),
      from: C,
    });
    expect(campaign.isError).toBe(true);
    expect(campaign.structured).toMatchObject({ reason_code: "TEMPLATE_NOT_FOUND" });
    expect(campaign.text).toContain(`WABA ${WABA_X}'s`);
  });

  it("create_template and sync_template_status act in the number's WABA with its token", async () => {
    const created = await gw.call("create_template", {
      name: "y_created_notice",
      category: "UTILITY",
      language: "en",
      body_text: "Your parcel {{1}} is on its way.",
      examples: ["P-1"],
      from: C,
    });
    expect(created.isError, created.text).toBe(false);
    expect(created.structured).toMatchObject({ waba_id: WABA_Y });
    const row = await gw.clients.deps.db
      .selectFrom("templates")
      .select("waba_id")
      .where("name", "=", "y_created_notice")
      .execute();
    expect(row).toEqual([{ waba_id: WABA_Y }]);
    // at Meta it is Y's: X's WABA has no such template
    const fromA = await gw.call("sync_template_status", { template_name: "y_created_notice", from: A });
    expect(fromA.structured).toMatchObject({ reason_code: "TEMPLATE_NOT_FOUND" });
    expect(fromA.text).toContain(`WABA ${WABA_X}`);
    const fromC = await gw.call("sync_template_status", { template_name: "y_created_notice", from: C });
    expect(fromC.isError, fromC.text).toBe(false);
    expect(fromC.structured).toMatchObject({ template_name: "y_created_notice", waba_id: WABA_Y });
  });

  it("a key limited to utility judges the category of the sending number's WABA's template", async () => {
    const db = gw.clients.deps.db;
    await db
      .insertInto("templates")
      .values([
        { ...templateRow(WABA_X, "twin_notice"), updated_at: new Date(Date.now() + 60_000) }, // X's: newer, utility
        { ...templateRow(WABA_Y, "twin_notice"), category: "marketing" },
      ])
      .execute();
    const agent = {
      ...configuredIdentity("utility-only"),
      keyId: "k-utility",
      allowedCategories: new Set(["utility"]),
    };
    const server = createGatewayServer(forRemoteAgent(gw.clients.deps, agent));
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: "utility-only", version: "1.0.0" });
    await client.connect(clientSide);
    try {
      const send = async (from: string) =>
        (
          (await client.callTool({
            name: "send_template",
            arguments: { to: stack.customer(), template_name: "twin_notice", from },
          })) as CallToolResult
        ).structuredContent ?? {};
      expect(await send(C)).toMatchObject({ reason_code: "SCOPE_DENIED", details: { scope: "categories:marketing" } });
      expect(await send(A)).toMatchObject({ status: "queued" });
    } finally {
      await client.close();
      await server.close();
    }
  });
});
