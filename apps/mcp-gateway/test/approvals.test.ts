// Human approval through the tools: a matching send or campaign answers pending_approval instead of queueing;
// an operator's decision (the console's functions, @wa/messaging) re-runs the same send path with compliance
// evaluated again; rejection and expiry end it with the reason, all visible to the agent through get_approval.
import { scheduleCampaign } from "@wa/campaigns";
import { approveRequest, expireApprovals, rejectRequest, type ApprovalDeps } from "@wa/messaging";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupEnv, type Env, type Gateway } from "./harness.js";

let env: Env;
let gw: Gateway;
let operator: ApprovalDeps;

const VIP = "447700900301";
const VIP2 = "447700900302";
const PLAIN = "447700900303";
const FANS = ["447700900311", "447700900312", "447700900313"];
const soon = (min: number) => new Date(Date.now() + min * 60_000).toISOString();
const MAYA = { actor: "operator:maya" as const };

beforeAll(async () => {
  env = await setupEnv();
  gw = await env.gateway();
  const { db, state, compliance, messaging } = gw.clients.deps;
  await gw.call("list_templates", {});
  for (const id of [VIP, VIP2, PLAIN, ...FANS])
    await state.setConsent({ customerId: id }, { marketing: "granted", utility: "granted" }, { source: "test" });
  await gw.call("tag_customer", { customer_id: VIP, add: ["vip"] });
  await gw.call("tag_customer", { customer_id: VIP2, add: ["vip"] });
  for (const id of FANS) await gw.call("tag_customer", { customer_id: id, add: ["fans"] });
  await gw.call("tag_customer", { customer_id: PLAIN, add: ["solo"] });
  await db
    .insertInto("policies")
    .values([
      {
        id: "vip_marketing",
        name: "Marketing to VIPs needs a yes",
        type: "require_approval",
        message_type: "marketing",
        rules: JSON.stringify({ customer_tags: ["vip"] }),
      },
      {
        id: "big_campaigns",
        name: "Campaigns of 3 or more",
        type: "require_approval",
        rules: JSON.stringify({ min_audience: 3, tools: ["schedule_campaign"] }),
      },
    ])
    .execute();
  compliance.invalidatePolicies();
  operator = {
    db,
    enqueueOutbound: messaging.enqueueOutbound,
    scheduleCampaign: (input, actor) => scheduleCampaign({ db }, input as never, { actor }),
  };
});
afterAll(async () => env?.close());

const offer = (to: string) => gw.call("send_template", { to, template_name: "welcome_offer", variables: ["Ana"] });
const messagesTo = async (id: string) =>
  (await gw.clients.deps.db.selectFrom("messages").select("id").where("customer_id", "=", id).execute()).length;

describe("require_approval", () => {
  it("a send no policy matches is queued as before", async () => {
    const r = await offer(PLAIN);
    expect(r.structured).toMatchObject({ status: "queued", approval_id: null });
    expect(typeof r.structured.message_id).toBe("string");
  });

  it("a matching send waits: pending_approval with an approval_id, nothing queued, audited as requested", async () => {
    const r = await offer(VIP);
    expect(r.isError).toBe(false);
    expect(r.structured).toMatchObject({
      status: "pending_approval",
      message_id: null,
      customer_id: VIP,
      category: "marketing",
    });
    const id = r.structured.approval_id as string;
    expect(await messagesTo(VIP)).toBe(0);
    const a = await gw.call("get_approval", { approval_id: id });
    expect(a.structured).toMatchObject({
      status: "pending",
      kind: "message",
      tool: "send_template",
      requested_by: "agent",
      message_id: null,
      matched: [{ id: "vip_marketing", name: "Marketing to VIPs needs a yes" }],
    });
    const audit = await gw.clients.deps.db
      .selectFrom("audit_logs")
      .selectAll()
      .where("subject_id", "=", id)
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor: "agent", action: "approval.requested" });
  });

  it("approval runs the same send path: the message is queued as operator:<name> and the agent sees its id", async () => {
    const id = (await offer(VIP)).structured.approval_id as string;
    const noReason = await approveRequest(operator, id, { ...MAYA, reason: " " });
    expect(noReason).toMatchObject({ ok: false, reason_code: "INVALID_ARGUMENT" });
    const r = await approveRequest(operator, id, { ...MAYA, reason: "VIP asked for offers by phone" });
    expect(r.ok).toBe(true);
    const a = await gw.call("get_approval", { approval_id: id });
    expect(a.structured).toMatchObject({
      status: "approved",
      decided_by: "operator:maya",
      reason: "VIP asked for offers by phone",
      refusal: null,
    });
    const messageId = a.structured.message_id as string;
    const row = await gw.clients.deps.db
      .selectFrom("messages")
      .selectAll()
      .where("id", "=", messageId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ customer_id: VIP, status: "queued", template_name: "welcome_offer" });
    const queued = await gw.clients.deps.db
      .selectFrom("audit_logs")
      .selectAll()
      .where("subject_id", "=", messageId)
      .executeTakeFirstOrThrow();
    expect(queued).toMatchObject({ actor: "operator:maya", action: "message.queued" });
    expect((await gw.call("get_delivery_status", { message_id: messageId })).structured.status).toBe("queued");
    const twice = await approveRequest(operator, id, { ...MAYA, reason: "again" });
    expect(twice).toMatchObject({ ok: false, reason_code: "INVALID_STATE_TRANSITION" });
  });

  it("compliance is evaluated again at approval: a customer who opted out meanwhile is refused, and it is recorded", async () => {
    const id = (await offer(VIP2)).structured.approval_id as string;
    const out = await gw.call("update_consent", { customer_id: VIP2, marketing: "revoked", source: "STOP by SMS" });
    expect(out.isError).toBe(false);
    const r = await approveRequest(operator, id, { ...MAYA, reason: "looks fine" });
    expect(r.ok).toBe(true);
    const a = await gw.call("get_approval", { approval_id: id });
    expect(a.structured).toMatchObject({ status: "approved", message_id: null });
    expect((a.structured.refusal as { reason_code: string }).reason_code).toBe("USER_OPTED_OUT");
    expect(await messagesTo(VIP2)).toBe(0);
  });

  it("a campaign over the audience threshold waits; rejected, it ends with the reason visible to the agent", async () => {
    const r = await gw.call("schedule_campaign", {
      name: "Fans weekend",
      type: "marketing",
      template_name: "welcome_offer",
      variables: ["friend"],
      audience_filter: { include_tags: ["fans"] },
      deliver_at: soon(5),
    });
    expect(r.structured).toMatchObject({ status: "pending_approval", campaign_id: null, audience_estimate: 3 });
    const id = r.structured.approval_id as string;
    const rejected = await rejectRequest(gw.clients.deps.db, id, { ...MAYA, reason: "Budget is spent this month" });
    expect(rejected.ok).toBe(true);
    const a = await gw.call("get_approval", { approval_id: id });
    expect(a.structured).toMatchObject({
      status: "rejected",
      kind: "campaign",
      reason: "Budget is spent this month",
      decided_by: "operator:maya",
      campaign_id: null,
    });
    expect(await gw.clients.deps.db.selectFrom("campaigns").select("id").execute()).toEqual([]);
  });

  it("an approved campaign is scheduled by the approval, as the operator", async () => {
    const r = await gw.call("schedule_campaign", {
      name: "Fans weekend 2",
      type: "marketing",
      template_name: "welcome_offer",
      variables: ["friend"],
      audience_filter: { include_tags: ["fans"] },
      deliver_at: soon(5),
    });
    const id = r.structured.approval_id as string;
    expect((await approveRequest(operator, id, { ...MAYA, reason: "ok for this weekend" })).ok).toBe(true);
    const a = await gw.call("get_approval", { approval_id: id });
    const campaign = await gw.call("get_campaign", { campaign_id: a.structured.campaign_id as string });
    expect(campaign.structured).toMatchObject({ name: "Fans weekend 2", status: "scheduled" });
  });

  it("a campaign under the threshold is scheduled at once; one aimed at VIPs (include_tags) waits", async () => {
    const r = await gw.call("schedule_campaign", {
      name: "Small one",
      type: "marketing",
      template_name: "welcome_offer",
      variables: ["friend"],
      audience_filter: { include_tags: ["solo"] },
      deliver_at: soon(5),
    });
    expect(r.structured).toMatchObject({ status: "scheduled", approval_id: null });
    const vips = await gw.call("schedule_campaign", {
      name: "VIP preview",
      type: "marketing",
      template_name: "welcome_offer",
      variables: ["friend"],
      audience_filter: { include_tags: ["vip"] },
      deliver_at: soon(5),
    });
    expect(vips.structured).toMatchObject({ status: "pending_approval", audience_estimate: 2 });
  });

  it("expiry: the scheduler's sweep ends an undecided approval; it can no longer be approved", async () => {
    const id = (await offer(VIP)).structured.approval_id as string;
    const ttlMs = gw.clients.deps.cfg.APPROVAL_TTL_HOURS * 3_600_000;
    const pending = await gw.clients.deps.db
      .selectFrom("approvals")
      .select("id")
      .where("status", "=", "pending")
      .execute();
    expect(await expireApprovals(gw.clients.deps.db, Date.now() + ttlMs - 60_000)).toBe(0);
    expect(await expireApprovals(gw.clients.deps.db, Date.now() + ttlMs + 1000)).toBe(pending.length);
    expect(pending.map((p) => p.id)).toContain(id);
    const a = await gw.call("get_approval", { approval_id: id });
    expect(a.structured).toMatchObject({ status: "expired", decided_by: "system" });
    expect(a.structured.reason).toMatch(/No operator decided before it expired at/);
    const late = await approveRequest(operator, id, { ...MAYA, reason: "sorry, late" });
    expect(late).toMatchObject({ ok: false, reason_code: "INVALID_STATE_TRANSITION" });
  });

  it("get_approval refuses an unknown id with NOT_FOUND", async () => {
    const r = await gw.call("get_approval", { approval_id: "00000000-0000-4000-8000-000000000000" });
    expect(r.isError).toBe(true);
    expect(r.structured).toMatchObject({ reason_code: "NOT_FOUND" });
    const bad = await gw.call("get_approval", { approval_id: "nope" });
    expect(bad.structured).toMatchObject({ reason_code: "NOT_FOUND" });
  });
});

const offerAs = (g: Gateway, to: string, idempotency_key?: string, name = "Ana") =>
  g.call("send_template", {
    to,
    template_name: "welcome_offer",
    variables: [name],
    ...(idempotency_key ? { idempotency_key } : {}),
  });
const approvalsWithKey = async (key: string) =>
  gw.clients.deps.db
    .selectFrom("approvals")
    .select(["id", "requested_by", "status"])
    .where("idempotency_key", "=", key)
    .execute();

describe("approvals belong to the agent that asked", () => {
  const VIP3 = "447700900304";
  const VIP4 = "447700900305";
  let bob: Gateway;
  let bobReplica: Gateway;
  let ana: Gateway;
  beforeAll(async () => {
    [bob, bobReplica, ana] = await Promise.all([
      env.gateway({ AGENT_NAME: "bob" }),
      env.gateway({ AGENT_NAME: "bob" }),
      env.gateway({ AGENT_NAME: "ana" }),
    ]);
    for (const id of [VIP3, VIP4]) {
      await gw.clients.deps.state.setConsent(
        { customerId: id },
        { marketing: "granted", utility: "granted" },
        { source: "test" },
      );
      await gw.call("tag_customer", { customer_id: id, add: ["vip"] });
    }
  });

  it("get_approval answers an agent's own approvals only; another agent's reads as NOT_FOUND, like an unknown id", async () => {
    const mine = (await offerAs(bob, VIP3)).structured.approval_id as string;
    const own = await bob.call("get_approval", { approval_id: mine });
    expect(own.structured).toMatchObject({ approval_id: mine, status: "pending", requested_by: "agent:bob" });

    const unknownId = "00000000-0000-4000-8000-000000000000";
    const unknown = await ana.call("get_approval", { approval_id: unknownId });
    for (const other of [ana, gw]) {
      const r = await other.call("get_approval", { approval_id: mine });
      expect(r.isError).toBe(true);
      expect(r.structured).toMatchObject({ reason_code: "NOT_FOUND" });
      // Nothing tells a foreign id from an unknown one but the id itself.
      expect(r.text.replaceAll(mine, unknownId)).toBe(unknown.text);
    }

    // The unnamed stdio "agent" sees what "agent" asked, and a named agent does not.
    const plain = (await offerAs(gw, VIP3)).structured.approval_id as string;
    expect((await gw.call("get_approval", { approval_id: plain })).structured).toMatchObject({
      status: "pending",
      requested_by: "agent",
    });
    expect((await bob.call("get_approval", { approval_id: plain })).structured).toMatchObject({
      reason_code: "NOT_FOUND",
    });
  });

  it("the same idempotency_key while pending answers the same approval (duplicate); other content is DUPLICATE_REQUEST", async () => {
    const first = await offerAs(bob, VIP4, "bob-offer-1");
    expect(first.structured).toMatchObject({ status: "pending_approval", duplicate: false });
    const id = first.structured.approval_id as string;

    const again = await offerAs(bob, VIP4, "bob-offer-1");
    expect(again.isError).toBe(false);
    expect(again.structured).toMatchObject({
      status: "pending_approval",
      approval_id: id,
      message_id: null,
      duplicate: true,
      customer_id: VIP4,
      category: "marketing",
    });
    expect(await approvalsWithKey("bob-offer-1")).toHaveLength(1);

    const changed = await offerAs(bob, VIP4, "bob-offer-1", "Someone else");
    expect(changed.isError).toBe(true);
    expect(changed.structured).toMatchObject({ reason_code: "DUPLICATE_REQUEST", details: { approval_id: id } });
    expect(changed.structured.suggested_action).toMatch(/new idempotency_key/);

    // Keys are per agent: ana's own key of the same name is her own approval, and does not reveal bob's.
    const hers = await offerAs(ana, VIP4, "bob-offer-1", "Someone else");
    expect(hers.structured).toMatchObject({ status: "pending_approval", duplicate: false });
    expect(hers.structured.approval_id).not.toBe(id);
    expect(await approvalsWithKey("bob-offer-1")).toHaveLength(2);
    expect(await messagesTo(VIP4)).toBe(0);

    // Approved, the key belongs to the queued message: a repeat gets that message back, not a new approval.
    expect((await approveRequest(operator, id, { ...MAYA, reason: "fine" })).ok).toBe(true);
    const messageId = (await bob.call("get_approval", { approval_id: id })).structured.message_id as string;
    const after = await offerAs(bob, VIP4, "bob-offer-1");
    expect(after.structured).toMatchObject({ status: "queued", message_id: messageId, duplicate: true });
    expect(await approvalsWithKey("bob-offer-1")).toHaveLength(2);
  });

  it("two concurrent identical requests (two replicas of one agent) make one approval", async () => {
    const [a, b] = await Promise.all([offerAs(bob, VIP3, "bob-race-1"), offerAs(bobReplica, VIP3, "bob-race-1")]);
    expect(a.structured.status).toBe("pending_approval");
    expect(b.structured.approval_id).toBe(a.structured.approval_id);
    expect([a.structured.duplicate, b.structured.duplicate].toSorted()).toEqual([false, true]);
    expect(await approvalsWithKey("bob-race-1")).toHaveLength(1);
  });

  it("the gate itself holds one pending approval per actor and key, however many ask at once", async () => {
    const ask = {
      facts: {
        kind: "message" as const,
        category: "marketing" as const,
        channel: "whatsapp",
        actor: "agent:bob" as const,
        tool: "send_template",
        audience: null,
        tags: () => ["vip"],
      },
      request: { to: VIP3, idempotency_key: "bob-race-2" },
      summary: { customer_id: VIP3, category: "marketing" },
      checks: [],
      idempotency: { key: "bob-race-2", hash: "h1" },
    };
    const answers = await Promise.all(Array.from({ length: 4 }, () => bob.clients.deps.approvals(ask)));
    const ids = new Set(answers.map((r) => (r && r.ok ? r.approval_id : null)));
    expect(ids.size).toBe(1);
    expect(answers.filter((r) => r?.ok && !r.duplicate)).toHaveLength(1);
    expect(await approvalsWithKey("bob-race-2")).toHaveLength(1);
    const other = await bob.clients.deps.approvals({ ...ask, idempotency: { key: "bob-race-2", hash: "h2" } });
    expect(other).toMatchObject({ ok: false, reason_code: "DUPLICATE_REQUEST" });
  });
});
