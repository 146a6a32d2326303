// A customer's timeline shows every compliance decision of the send path with its checks: the agent's sends go
// through @wa/messaging (the real compliance engine), and the console reads what that path stored.
import { createCompliance } from "@wa/compliance";
import { createMessaging } from "@wa/messaging";
import { createApiToken } from "@wa/operators";
import { busNames } from "@wa/testkit";
import { describe, expect, it } from "vitest";
import { logIn, newOperator, useConsole } from "./support.js";

const env = useConsole();
const CUSTOMER = "6281377700011";

async function agentSends(): Promise<string> {
  await env.db
    .insertInto("templates")
    .values([
      {
        name: "order_update",
        locale: "en",
        category: "utility",
        status: "APPROVED",
        body_text: "Hi {{1}}, order {{2}} shipped.",
        parameter_count: 2,
        components: "[]",
      },
      {
        name: "welcome_offer",
        locale: "en",
        category: "marketing",
        status: "APPROVED",
        body_text: "Hi {{1}}",
        parameter_count: 1,
        components: "[]",
      },
    ])
    .execute();
  await env.db
    .insertInto("customers")
    .values({ customer_id: CUSTOMER, phone: CUSTOMER, marketing_consent: "revoked" })
    .execute();
  const compliance = createCompliance({ db: env.db, state: env.deps.state });
  const messaging = createMessaging({
    db: env.db,
    state: env.deps.state,
    compliance,
    js: null,
    names: busNames(),
    log: env.deps.log,
  });
  const sent = await messaging.enqueueOutbound(
    { to: CUSTOMER, content: { type: "template", template_name: "order_update", variables: ["Ann", "A-1"] } },
    { actor: "agent", tool: "send_template" },
  );
  const refused = await messaging.enqueueOutbound(
    { to: CUSTOMER, content: { type: "template", template_name: "welcome_offer", variables: ["Ann"] } },
    { actor: "agent", tool: "send_template" },
  );
  expect(refused).toMatchObject({ ok: false, reason_code: "USER_OPTED_OUT" });
  if (!sent.ok) throw new Error(`not queued: ${sent.reason_code}`);
  return sent.message_id;
}

describe("customer timeline: compliance decisions", () => {
  it("shows the allowed send's checks and the refused send with its reason code and failing check (page and API)", async () => {
    const startedAt = Date.now();
    const messageId = await agentSends();
    const op = await newOperator(env.db, "viewer");
    const s = await logIn(env.app, op.name);
    const page = await (await env.app.request(`/customers/${CUSTOMER}`, { headers: { cookie: s.cookie } })).text();
    const rows = [...page.matchAll(/<tr class="audit decision">([\s\S]*?)<\/tr>/g)].map((m) => m[1]!);
    const refusedRow = rows.find((r) => r.includes("message.refused"));
    const queuedRow = rows.find((r) => r.includes("message.queued"));
    expect(refusedRow).toContain("compliance: refused USER_OPTED_OUT");
    expect(refusedRow).toMatch(/<li class="bad">✗ <b>consent_not_revoked<\/b>: [^<]+<\/li>/);
    expect(queuedRow).toContain("compliance: allowed");
    expect(queuedRow).toMatch(/<li class="ok">✓ <b>template_approved<\/b>: [^<]+<\/li>/);
    expect(queuedRow).not.toContain('class="bad"');

    const { token } = await createApiToken(env.db, op, "t", "system");
    const api = await env.app.request(`/api/v1/customers/${CUSTOMER}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await api.json()) as {
      timeline: {
        type: string;
        action?: string;
        subject?: string;
        decision?: { outcome: string; reason_code: string | null; checks: { rule: string; passed: boolean }[] } | null;
      }[];
    };
    const decisions = body.timeline.filter((t) => t.decision);
    expect(decisions.map((t) => [t.action, t.decision!.outcome, t.decision!.reason_code])).toEqual(
      expect.arrayContaining([
        ["message.refused", "refused", "USER_OPTED_OUT"],
        ["message.queued", "allowed", null],
      ]),
    );
    expect(decisions.find((t) => t.action === "message.queued")?.subject).toBe(`message:${messageId}`);
    expect(
      decisions
        .find((t) => t.action === "message.refused")
        ?.decision!.checks.some((c) => c.rule === "consent_not_revoked" && !c.passed),
    ).toBe(true);

    env.pinNow(startedAt); // "today" is the refusal's day, even if 00:00 UTC has passed since
    try {
      const overview = (await (
        await env.app.request("/api/v1/overview", { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { refusals_by_reason: unknown };
      expect(overview.refusals_by_reason).toEqual([{ reason: "USER_OPTED_OUT", count: 1 }]);
    } finally {
      env.pinNow(null);
    }
  });
});

describe("customer page: the window with each business number", () => {
  it("lists one window per number the customer wrote to, each open or closed on its own (page and API)", async () => {
    const customer = "6281377700022";
    const [A, B] = ["710000000000001", "710000000000002"];
    await env.deps.state.recordInbound({ customerId: customer, phoneNumberId: A }, Date.now() - 60_000);
    await env.deps.state.recordInbound({ customerId: customer, phoneNumberId: B }, Date.now() - 30 * 3_600_000);
    const op = await newOperator(env.db, "viewer");
    const { token } = await createApiToken(env.db, op, "w", "system");
    const api = await env.app.request(`/api/v1/customers/${customer}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await api.json()) as {
      window: { open: boolean };
      windows: { phone_number_id: string; open: boolean }[];
    };
    expect(body.window.open).toBe(true);
    expect(body.windows.map((w) => [w.phone_number_id, w.open])).toEqual([
      [A, true],
      [B, false],
    ]);
    const s = await logIn(env.app, op.name);
    const page = await (await env.app.request(`/customers/${customer}`, { headers: { cookie: s.cookie } })).text();
    const card = /<div class="card" id="window">([\s\S]*?)<\/div>/.exec(page)?.[1] ?? "";
    expect(card).toContain(`${A}: open until`);
    expect(card).toContain(`${B}: closed`);
  });
});
