import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { configuredIdentity } from "@wa/agents";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forRemoteAgent } from "../src/deps.js";
import { createGatewayServer } from "../src/server.js";
import type { Gateway } from "./harness.js";
import { A, B, B_DISPLAY, C, type ManyNumbers, startManyNumbers, WABA_X, WABA_Y } from "./many-numbers-stack.js";

// Issue 15 through the real gateway (stack: many-numbers-stack.ts): business x = numbers A, B (one WABA), y = C.
// The window is per (number, customer); consent and the marketing cap are per business.
let stack: ManyNumbers;
let gw: Gateway;
let pipe: ManyNumbers["pipe"];
const customer = () => stack.customer();

beforeAll(async () => {
  stack = await startManyNumbers({ MARKETING_DAILY_CAP: "1" });
  ({ gw, pipe } = stack);
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const grantOn = async (to: string, from: string) => {
  const r = await gw.call("update_consent", { customer_id: to, marketing: "granted", source: "signup form", from });
  expect(r.isError, r.text).toBe(false);
};
const offer = (to: string, from: string) =>
  gw.call("send_template", { to, template_name: "welcome_offer", variables: ["Ann"], from });
const fromOf = (r: { structured: Record<string, unknown> }) =>
  (r.structured.from as { phone_number_id: string }).phone_number_id;

describe("many numbers, many businesses", () => {
  it("the window is per (number, customer): written to A, a reply from A goes, from B needs a template", async () => {
    const to = customer();
    await pipe.inbound({ from: to, text: "where is my parcel?", phone_number_id: A });
    const fromA = await gw.call("send_message", { to, text: "On its way!", from: A });
    expect(fromA.structured).toMatchObject({
      status: "queued",
      from: { phone_number_id: A, display_phone_number: "+1 555 020 0001", business_id: "x" },
    });
    const row = await gw.clients.deps.db
      .selectFrom("messages")
      .select(["channel", "phone_number_id"])
      .where("id", "=", fromA.structured.message_id as string)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ channel: "whatsapp", phone_number_id: A });
    const fromB = await gw.call("send_message", { to, text: "On its way!", from: B });
    expect(fromB.structured).toMatchObject({ reason_code: "TEMPLATE_REQUIRED" });
    expect(
      (await gw.call("reply_customer", { customer_id: to, message_text: "Hi", from: B })).structured,
    ).toMatchObject({ reason_code: "WINDOW_CLOSED" });
    const windowA = await gw.call("check_conversation", { customer_id: to, from: A });
    const windowB = await gw.call("check_conversation", { customer_id: to, from: B });
    expect(windowA.structured).toMatchObject({ window_open: true, from: { phone_number_id: A } });
    expect(windowB.structured).toMatchObject({ window_open: false, from: { phone_number_id: B } });
    const listed = await gw.call("list_conversations", { from: B });
    expect(listed.structured).toMatchObject({ from: { phone_number_id: B }, total: 0 });
    const onA = await gw.call("list_conversations", { from: A });
    expect(onA.structured.conversations).toEqual(
      expect.arrayContaining([expect.objectContaining({ customer_id: to, phone_number_id: A })]),
    );
  });

  it("a STOP to A revokes consent for business X: marketing from B is refused, from C (business Y) goes", async () => {
    const to = customer();
    await grantOn(to, A);
    await grantOn(to, C);
    await pipe.inbound({ from: to, text: "STOP", phone_number_id: A });
    const ctx = await gw.call("get_customer_context", { customer_id: to, from: B });
    expect(ctx.structured).toMatchObject({
      consent: { marketing: { status: "revoked" } },
      from: { business_id: "x" },
    });
    expect((await offer(to, B)).structured).toMatchObject({ reason_code: "USER_OPTED_OUT" });
    const fromC = await offer(to, C);
    expect(fromC.structured).toMatchObject({ status: "queued", category: "marketing" });
    expect(fromC.structured.from).toEqual({
      phone_number_id: C,
      display_phone_number: "+1 555 020 0003",
      business_id: "y",
    });
    const row = await gw.clients.deps.db
      .selectFrom("messages")
      .select(["channel", "phone_number_id"])
      .where("id", "=", fromC.structured.message_id as string)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ channel: "whatsapp:y", phone_number_id: C });
  });

  it("the marketing cap is per business: A's send uses X's one slot, so B is capped while C still sends", async () => {
    const to = customer();
    await grantOn(to, A);
    await grantOn(to, C);
    expect(fromOf(await offer(to, A))).toBe(A);
    expect((await offer(to, B)).structured).toMatchObject({ reason_code: "FREQUENCY_CAP_EXCEEDED" });
    const capB = await gw.call("check_frequency_cap", { customer_id: to, from: B });
    expect(capB.structured).toMatchObject({ is_capped: true, sent_last_24h: 1, from: { business_id: "x" } });
    const capC = await gw.call("check_frequency_cap", { customer_id: to, from: C });
    expect(capC.structured).toMatchObject({ is_capped: false, sent_last_24h: 0, from: { business_id: "y" } });
    expect(fromOf(await offer(to, C))).toBe(C);
  });

  it("names a number by its display number; omitting from uses the default number", async () => {
    const to = customer();
    await grantOn(to, A);
    const byDisplay = await gw.call("check_compliance", {
      customer_id: to,
      message_type: "marketing",
      from: B_DISPLAY,
    });
    expect(byDisplay.structured).toMatchObject({ allowed: true, from: { phone_number_id: B } });
    const sent = await gw.call("send_template", {
      to,
      template_name: "order_update",
      variables: ["Ann", "A-1"],
      from: "15550200002",
    });
    expect(fromOf(sent)).toBe(B);
    const dflt = await gw.call("get_rate_limit", {});
    expect(dflt.structured).toMatchObject({ from: { phone_number_id: A }, throughput_mps: 80 });
  });

  it("refuses a number this deployment does not serve, listing those it does; nothing is queued", async () => {
    const r = await gw.call("send_template", {
      to: customer(),
      template_name: "order_update",
      variables: ["Ann", "A-1"],
      from: "+1 555 0199 999",
    });
    expect(r.isError).toBe(true);
    expect(r.structured).toMatchObject({ reason_code: "NOT_FOUND" });
    expect(r.structured.suggested_action).toMatch(/omit from/);
    const numbers = (r.structured.details as { numbers: { phone_number_id: string }[] }).numbers;
    expect(numbers.map((x) => x.phone_number_id).toSorted()).toEqual([A, B, C].toSorted());
  });

  it("get_account_quality answers per number, live from Meta with each number's WABA token", async () => {
    const own = await gw.call("get_account_quality", { from: B });
    expect(own.structured).toMatchObject({ phone_number_id: B, waba_id: WABA_X, source: "meta" });
    const other = await gw.call("get_account_quality", { from: C });
    expect(other.structured).toMatchObject({
      phone_number_id: C,
      waba_id: WABA_Y,
      source: "meta",
      quality_rating: "YELLOW", // mock-meta's, not a stored default: only token-y may read C
      name: "Y Shop",
      business: { business_id: "y" },
      from: { phone_number_id: C, business_id: "y" },
    });
  });

  it("an agent key's allowed_numbers holds for the number named by from", async () => {
    const agent = { ...configuredIdentity("numbers-a"), keyId: "k1", allowedNumbers: new Set([A]) };
    const server = createGatewayServer(forRemoteAgent(gw.clients.deps, agent));
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: "scoped", version: "1.0.0" });
    await client.connect(clientSide);
    const call = async (args: Record<string, unknown>) =>
      ((await client.callTool({ name: "send_template", arguments: args })) as CallToolResult).structuredContent;
    const base = { to: customer(), template_name: "order_update", variables: ["Ann", "A-1"] };
    expect(await call({ ...base, from: C })).toMatchObject({
      reason_code: "SCOPE_DENIED",
      details: { scope: `numbers:${C}` },
    });
    expect(await call({ ...base, from: B_DISPLAY })).toMatchObject({ details: { scope: `numbers:${B}` } });
    expect(await call(base)).toMatchObject({ status: "queued", from: { phone_number_id: A } });
    await client.close();
    await server.close();
  });

  it("allowed_numbers holds for the number of the campaign, conversation or messages a tool acts on", async () => {
    const agent = { ...configuredIdentity("numbers-a2"), keyId: "k2", allowedNumbers: new Set([A]) };
    const server = createGatewayServer(forRemoteAgent(gw.clients.deps, agent));
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: "scoped2", version: "1.0.0" });
    await client.connect(clientSide);
    const call = async (name: string, args: Record<string, unknown>) =>
      ((await client.callTool({ name, arguments: args })) as CallToolResult).structuredContent;
    const db = gw.clients.deps.db;
    const campaign = await db
      .insertInto("campaigns")
      .values({
        name: "c-from-b",
        type: "utility",
        template_name: "order_update",
        variables: null,
        audience_filter: "{}",
        scheduled_at: new Date(),
        phone_number_id: B,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    expect(await call("pause_campaign", { campaign_id: campaign.id })).toMatchObject({
      reason_code: "SCOPE_DENIED",
      details: { scope: `numbers:${B}` },
    });
    const to = customer();
    await db.insertInto("customers").values({ customer_id: to }).execute();
    const failed = await db
      .insertInto("messages")
      .values(
        [A, C].map((n) => ({
          customer_id: to,
          phone_number_id: n,
          direction: "outbound" as const,
          category: "utility" as const,
          kind: "text",
          content: "{}",
          status: "failed" as const,
        })),
      )
      .returning("id")
      .execute();
    expect(await call("retry_failed_messages", { message_ids: failed.map((m) => m.id) })).toMatchObject({
      details: { scope: `numbers:${C}` },
    });
    expect(await call("retry_failed_messages", { message_ids: [failed[0]!.id] })).not.toMatchObject({
      reason_code: "SCOPE_DENIED",
    });
    await client.close();
    await server.close();
  });
});
