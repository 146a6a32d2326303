// /api/v1/approvals: the same decisions as the page, with roles, required reasons and the re-run through the send path.
import { createCompliance } from "@wa/compliance";
import { createApprovalGate, createMessaging, getApproval } from "@wa/messaging";
import { createApiToken } from "@wa/operators";
import { busNames } from "@wa/testkit";
import { pino } from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { newOperator, useConsole } from "./support.js";

const env = useConsole();
const VIP = "6281200000101";

async function as(role: "viewer" | "operator") {
  const op = await newOperator(env.db, role);
  const { token } = await createApiToken(env.db, op, "test", "system");
  return (method: string, path: string, body?: unknown) =>
    env.app.request(`/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
}

/** An agent's send_template to the VIP as the gateway makes it: requestOutbound behind the gate. */
async function agentSend(): Promise<string> {
  const log = pino({ level: "silent" });
  const compliance = createCompliance({ db: env.db, state: env.deps.state });
  const approvals = createApprovalGate({ db: env.db, policies: compliance.policies, ttlMs: 3_600_000 });
  const messaging = createMessaging({
    db: env.db,
    state: env.deps.state,
    compliance,
    js: null,
    names: busNames(),
    log,
    approvals,
  });
  const r = await messaging.requestOutbound(
    { to: VIP, content: { type: "template", template_name: "vip_offer", variables: [] }, message_type: "template" },
    { actor: "agent:sales-bot", tool: "send_template" },
  );
  if (!r.ok || !("approval_id" in r)) throw new Error(`expected pending_approval, got ${JSON.stringify(r)}`);
  return r.approval_id;
}

beforeAll(async () => {
  await env.db
    .insertInto("templates")
    .values({
      name: "vip_offer",
      locale: "en",
      category: "marketing",
      status: "APPROVED",
      components: "[]",
      body_text: "Hi",
    })
    .execute();
  await env.deps.state.setConsent({ customerId: VIP }, { marketing: "granted" }, { source: "test" });
  await env.deps.state.updateTags({ customerId: VIP }, { add: ["vip"] });
  await env.db
    .insertInto("policies")
    .values({
      id: "sales_bot_vips",
      name: "sales-bot's marketing to VIPs",
      type: "require_approval",
      message_type: "marketing",
      rules: JSON.stringify({ agents: ["sales-bot"], customer_tags: ["vip"] }),
    })
    .execute();
});

describe("approvals API", () => {
  it("lists pending approvals with the request and why they wait; a viewer cannot decide", async () => {
    const id = await agentSend();
    const viewer = await as("viewer");
    const list = (await (await viewer("GET", "/approvals?status=pending")).json()) as {
      approvals: { approval_id: string; requested_by: string; matched: { id: string }[] }[];
    };
    expect(list.approvals.find((a) => a.approval_id === id)).toMatchObject({
      requested_by: "agent:sales-bot",
      matched: [{ id: "sales_bot_vips" }],
    });
    const one = await viewer("GET", `/approvals/${id}`);
    expect(await one.json()).toMatchObject({ approval_id: id, status: "pending", summary: { customer_id: VIP } });
    expect((await viewer("POST", `/approvals/${id}/approve`, { reason: "fine" })).status).toBe(403);
    expect((await viewer("GET", "/approvals/00000000-0000-4000-8000-000000000000")).status).toBe(404);
  });

  it("approve needs a reason, then queues the message as the operator; deciding twice is a 409", async () => {
    const id = await agentSend();
    const operator = await as("operator");
    const noReason = await operator("POST", `/approvals/${id}/approve`, { reason: "" });
    expect(noReason.status).toBe(400);
    const ok = await operator("POST", `/approvals/${id}/approve`, { reason: "VIP asked for it" });
    expect(ok.status).toBe(200);
    const a = await getApproval(env.db, id);
    expect(a).toMatchObject({ status: "approved", reason: "VIP asked for it", refusal: null });
    const msg = await env.db
      .selectFrom("messages")
      .select(["status", "customer_id"])
      .where("id", "=", a!.message_id!)
      .executeTakeFirstOrThrow();
    expect(msg).toEqual({ status: "queued", customer_id: VIP });
    const again = await operator("POST", `/approvals/${id}/reject`, { reason: "changed my mind" });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ reason_code: "INVALID_STATE_TRANSITION" });
  });

  it("reject records the reason and the operator in the audit log; nothing is sent", async () => {
    const id = await agentSend();
    const operator = await as("operator");
    const before = await env.db.selectFrom("messages").select("id").execute();
    const r = await operator("POST", `/approvals/${id}/reject`, { reason: "Not during the outage" });
    expect(r.status).toBe(200);
    expect(await env.db.selectFrom("messages").select("id").execute()).toHaveLength(before.length);
    const audit = await env.db
      .selectFrom("audit_logs")
      .select(["actor", "action", "details"])
      .where("subject_id", "=", id)
      .orderBy("id")
      .execute();
    expect(audit.map((e) => e.action)).toEqual(["approval.requested", "approval.rejected"]);
    expect(audit[1]!.actor).toMatch(/^operator:/);
    expect(audit[1]!.details).toMatchObject({ reason: "Not during the outage" });
  });
});
