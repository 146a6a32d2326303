// require_approval matching, one criterion at a time: category, campaign audience size, customer tag, agent, tool.
import { parsePolicy, PolicyError } from "@wa/compliance";
import { describe, expect, it } from "vitest";
import { agentName, matchApproval, type ApprovalFacts } from "../src/index.js";

const policy = (rules: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  parsePolicy({ id: "needs_yes", name: "Needs a yes", type: "require_approval", rules, ...extra }, "test");

const send = (over: Partial<ApprovalFacts> = {}): ApprovalFacts => ({
  kind: "message",
  category: "marketing",
  channel: "whatsapp",
  actor: "agent:sales-bot",
  tool: "send_template",
  audience: null,
  tags: () => ["vip"],
  ...over,
});
const campaign = (audience: number, over: Partial<ApprovalFacts> = {}): ApprovalFacts =>
  send({ kind: "campaign", tool: "schedule_campaign", audience, tags: () => [], ...over });
const ids = async (rules: Record<string, unknown>, facts: ApprovalFacts, extra = {}) =>
  (await matchApproval([policy(rules, extra)], facts)).map((m) => m.id);

describe("require_approval policies", () => {
  it("validate like every policy: unknown rules and bad values are refused with the policy named", () => {
    expect(() => policy({ min_audience: 0 })).toThrow(PolicyError);
    expect(() => policy({ customer_tags: ["VIP!"] })).toThrow(/needs_yes/);
    expect(() => policy({ whatever: 1 })).toThrow(PolicyError);
    expect(policy({}).type).toBe("require_approval");
  });

  it("category: message_type narrows it to one category; all matches every send", async () => {
    expect(await ids({}, send(), { message_type: "marketing" })).toEqual(["needs_yes"]);
    expect(await ids({}, send({ category: "utility" }), { message_type: "marketing" })).toEqual([]);
    expect(await ids({}, send({ category: "service" }))).toEqual(["needs_yes"]);
  });

  it("campaign audience size: from the threshold up, and never a single send", async () => {
    expect(await ids({ min_audience: 1000 }, campaign(999))).toEqual([]);
    expect(await ids({ min_audience: 1000 }, campaign(1000))).toEqual(["needs_yes"]);
    expect(await ids({ min_audience: 1 }, send())).toEqual([]);
  });

  it("customer tag: any listed tag on the recipient (or in a campaign's include_tags); tags read only when asked", async () => {
    expect(await ids({ customer_tags: ["vip", "press"] }, send())).toEqual(["needs_yes"]);
    expect(await ids({ customer_tags: ["press"] }, send())).toEqual([]);
    expect(await ids({ customer_tags: ["vip"] }, campaign(5, { tags: () => ["vip"] }))).toEqual(["needs_yes"]);
    let reads = 0;
    const counted = send({ tags: () => (reads++, []) });
    await matchApproval([policy({ tools: ["send_template"] })], counted);
    expect(reads).toBe(0);
  });

  it("agent: the name in agent:<name>; an unnamed agent or an operator matches no list", async () => {
    expect(agentName("agent:sales-bot")).toBe("sales-bot");
    expect(agentName("operator:maya")).toBeNull();
    expect(await ids({ agents: ["sales-bot"] }, send())).toEqual(["needs_yes"]);
    expect(await ids({ agents: ["support-bot"] }, send())).toEqual([]);
    expect(await ids({ agents: ["sales-bot"] }, send({ actor: "agent" }))).toEqual([]);
  });

  it("tool: only the listed tools", async () => {
    expect(await ids({ tools: ["schedule_campaign"] }, campaign(2))).toEqual(["needs_yes"]);
    expect(await ids({ tools: ["schedule_campaign"] }, send())).toEqual([]);
  });

  it("criteria combine with AND; disabled policies, other channels and other policy types never match", async () => {
    expect(await ids({ min_audience: 10, customer_tags: ["vip"] }, campaign(50, { tags: () => ["vip"] }))).toEqual([
      "needs_yes",
    ]);
    expect(await ids({ min_audience: 10, customer_tags: ["vip"] }, campaign(50))).toEqual([]);
    expect(await ids({}, send(), { enabled: false })).toEqual([]);
    expect(await ids({}, send(), { channel: "sms" })).toEqual([]);
    const cap = parsePolicy(
      { id: "cap", type: "frequency_limit", message_type: "marketing", rules: { max_per_day: 2 } },
      "t",
    );
    expect(await matchApproval([cap], send())).toEqual([]);
  });
});
