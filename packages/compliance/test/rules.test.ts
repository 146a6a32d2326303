import { describe, expect, it } from "vitest";
import { decide, type DecisionRequest, type Facts, recheckQueued, RULE_NAMES, windowOf } from "../src/index.js";
import {
  customer,
  denied,
  facts,
  found,
  H,
  ID_DIGITS,
  ID_NUMBER,
  NOON_JAKARTA,
  OPTIONS,
  policy,
  QUIET_MARKETING,
  tplSend,
} from "./fixtures.js";

const marketing: DecisionRequest = { customer_id: ID_NUMBER, message_type: "marketing" };
const revoked = (cat: "marketing" | "utility") =>
  customer({
    consent: { ...customer().consent, [cat]: { status: "revoked", source: "inbound_keyword", at: NOON_JAKARTA - H } },
  });

// One row per reason code (and the main passes): request, facts, expected outcome.
const table: { name: string; req: DecisionRequest; f?: Partial<Facts>; code?: string; rule?: string }[] = [
  { name: "valid marketing template passes", req: tplSend(), f: { template: found() } },
  {
    name: "invalid number",
    req: { ...marketing, customer_id: "0811 2345" },
    code: "INVALID_PHONE_NUMBER",
    rule: RULE_NAMES.phone,
  },
  {
    name: "marketing revoked",
    req: marketing,
    f: { customer: revoked("marketing") },
    code: "USER_OPTED_OUT",
    rule: RULE_NAMES.notRevoked,
  },
  {
    name: "utility revoked",
    req: { ...marketing, message_type: "utility" },
    f: { customer: revoked("utility") },
    code: "USER_OPTED_OUT",
    rule: RULE_NAMES.notRevoked,
  },
  {
    name: "utility with marketing revoked passes",
    req: { ...marketing, message_type: "utility" },
    f: { customer: revoked("marketing") },
  },
  {
    name: "authentication never skips rule 2",
    req: { ...marketing, message_type: "authentication" },
    f: { customer: revoked("utility") },
    code: "USER_OPTED_OUT",
    rule: RULE_NAMES.notRevoked,
  },
  {
    name: "marketing without opt-in (explicit)",
    req: marketing,
    f: { customer: null },
    code: "NO_OPT_IN",
    rule: RULE_NAMES.optIn,
  },
  { name: "service inside the window", req: { ...marketing, message_type: "service" } },
  {
    name: "service outside the window",
    req: { ...marketing, message_type: "service" },
    f: { window: { lastInboundAt: NOON_JAKARTA - 25 * H, expiresAt: NOON_JAKARTA - H } },
    code: "TEMPLATE_REQUIRED",
    rule: RULE_NAMES.window,
  },
  {
    name: "service exactly at expiry is closed",
    req: { ...marketing, message_type: "service" },
    f: { window: { lastInboundAt: NOON_JAKARTA - 24 * H, expiresAt: NOON_JAKARTA } },
    code: "TEMPLATE_REQUIRED",
  },
  {
    name: "service to a stranger",
    req: { ...marketing, message_type: "service" },
    f: { customer: null, window: { lastInboundAt: null, expiresAt: null } },
    code: "TEMPLATE_REQUIRED",
  },
  {
    name: "template type without a name",
    req: { customer_id: ID_NUMBER, message_type: "template" },
    code: "INVALID_ARGUMENT",
    rule: RULE_NAMES.templateExists,
  },
  {
    name: "template not found",
    req: tplSend(),
    f: { template: { found: false, locales: ["id"] } },
    code: "TEMPLATE_NOT_FOUND",
    rule: RULE_NAMES.templateExists,
  },
  {
    name: "template pending",
    req: tplSend(),
    f: { template: found({ status: "pending" }) },
    code: "TEMPLATE_NOT_APPROVED",
    rule: RULE_NAMES.templateApproved,
  },
  {
    name: "template rejected",
    req: tplSend(),
    f: { template: found({ status: "REJECTED", rejectionReason: "PROMOTIONAL" }) },
    code: "TEMPLATE_NOT_APPROVED",
  },
  {
    name: "positional count mismatch",
    req: tplSend({ variables: ["Ann"] }),
    f: { template: found() },
    code: "TEMPLATE_VARIABLES_MISMATCH",
    rule: RULE_NAMES.templateVariables,
  },
  {
    name: "positional blank value",
    req: tplSend({ variables: ["Ann", " "] }),
    f: { template: found() },
    code: "TEMPLATE_VARIABLES_MISMATCH",
  },
  {
    name: "named placeholders given a list",
    req: tplSend(),
    f: { template: found({ parameterFormat: "named", parameterNames: ["first_name"] }) },
    code: "TEMPLATE_VARIABLES_MISMATCH",
  },
  {
    name: "named placeholders match",
    req: tplSend({ variables: { first_name: "Ann", code: "X1" } }),
    f: { template: found({ parameterFormat: "named", parameterNames: ["code", "first_name"] }) },
  },
  {
    name: "named placeholders missing one",
    req: tplSend({ variables: { first_name: "Ann" } }),
    f: { template: found({ parameterFormat: "named", parameterNames: ["code", "first_name"] }) },
    code: "TEMPLATE_VARIABLES_MISMATCH",
  },
  { name: "no variables given: not checked", req: tplSend({ variables: undefined }), f: { template: found() } },
  {
    name: "cap reached",
    req: marketing,
    f: { sentAt: [NOON_JAKARTA - 5 * H, NOON_JAKARTA - 2 * H] },
    code: "FREQUENCY_CAP_EXCEEDED",
    rule: RULE_NAMES.frequencyCap,
  },
  {
    name: "older sends age out of the rolling 24 h",
    req: marketing,
    f: { sentAt: [NOON_JAKARTA - 25 * H, NOON_JAKARTA - 2 * H] },
  },
  {
    name: "segment exclusion",
    req: marketing,
    f: {
      customer: customer({ tags: ["vip"] }),
      policies: [
        policy({ id: "no_vip", type: "segment_exclusion", message_type: "marketing", rules: { exclude_tag: "vip" } }),
      ],
    },
    code: "POLICY_RESTRICTION",
    rule: "policy:no_vip",
  },
  {
    name: "quiet hours in the recipient's zone",
    req: marketing,
    f: { now: Date.parse("2025-06-02T15:00:00Z"), policies: [QUIET_MARKETING] },
    code: "POLICY_RESTRICTION",
    rule: "policy:marketing_quiet_hours",
  },
  {
    name: "quiet hours do not hold utility",
    req: { ...marketing, message_type: "utility" },
    f: { now: Date.parse("2025-06-02T15:00:00Z"), policies: [QUIET_MARKETING] },
  },
];

describe("decide: one row per rule and reason code", () => {
  it.each(table)("$name", ({ req, f, code, rule }) => {
    const d = decide(facts(f), req, OPTIONS);
    expect(d.allowed).toBe(code === undefined);
    expect(d.allowed ? undefined : d.reason_code).toBe(code);
    const failed = d.checks.filter((c) => !c.passed);
    if (rule) expect(failed[0]?.rule).toBe(rule); // the first failed check is the reason
    expect(d.human_explanation.length).toBeGreaterThan(10);
    expect(d.suggested_action).toMatch(
      /send_template|send_message|update_consent|schedule_message|list_templates|sync_template_status|tag_customer|check_|Ask for/,
    );
  });
});

describe("decide: shape, order and exemptions", () => {
  it("reports every rule, in order, with the first denial winning", () => {
    const d = decide(
      facts({
        customer: revoked("marketing"),
        sentAt: [NOON_JAKARTA - H, NOON_JAKARTA - 2 * H],
        template: found({ status: "PAUSED" }),
        policies: [QUIET_MARKETING],
      }),
      tplSend({ variables: ["only one"] }),
      OPTIONS,
    );
    expect(d.checks.map((c) => c.rule)).toEqual([
      "valid_phone_number",
      "consent_not_revoked",
      "marketing_opt_in",
      "service_window_open",
      "template_exists",
      "template_approved",
      "template_variables_match",
      "frequency_cap",
      "meta_marketing_limit",
      "policy:meta_us_marketing_pause",
      "policy:marketing_quiet_hours",
    ]);
    expect(d.checks.map((c) => c.passed)).toEqual([
      true,
      false,
      false,
      true,
      true,
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
    expect(d).toMatchObject({
      allowed: false,
      reason_code: "USER_OPTED_OUT",
      category: "marketing",
      customer_id: ID_DIGITS,
    });
  });

  it("takes the template's category in any case, whatever message_type says", () => {
    const d = decide(
      facts({
        customer: customer({
          consent: { marketing: { status: "unknown", source: null, at: null }, utility: customer().consent.utility },
        }),
        template: found({ category: "Utility" }),
      }),
      tplSend({ message_type: "marketing" }),
      OPTIONS,
    );
    expect(d).toMatchObject({ allowed: true, category: "utility" });
    expect(d.suggested_action).toContain("send_template");
  });

  it("exempts authentication from opt-in, the cap and quiet hours, but not from revocation", () => {
    const night = Date.parse("2025-06-02T16:00:00Z"); // 23:00 in Jakarta
    const f = facts({
      now: night,
      customer: customer({
        consent: {
          marketing: { status: "revoked", source: "inbound_keyword", at: 0 },
          utility: { status: "unknown", source: null, at: null },
        },
      }),
      sentAt: [night - H, night - 2 * H, night - 3 * H],
      policies: [{ ...QUIET_MARKETING, message_type: "all" }],
      template: found({ category: "AUTHENTICATION", parameterCount: 1 }),
    });
    const d = decide(f, tplSend({ variables: ["123456"] }), OPTIONS);
    expect(d).toMatchObject({ allowed: true, category: "authentication" });
    const byRule = Object.fromEntries(d.checks.map((c) => [c.rule, c.detail]));
    expect(byRule.marketing_opt_in).toMatch(/^exempt/);
    expect(byRule.frequency_cap).toMatch(/^exempt/);
    expect(byRule["policy:marketing_quiet_hours"]).toMatch(/^exempt/);
    expect(denied(decide(f, tplSend({ customer_id: "US.1349120865", variables: ["1"] }), OPTIONS)).reason_code).toBe(
      "INVALID_PHONE_NUMBER",
    ); // not to a BSUID
  });

  it("CONSENT_MODE=implicit treats unknown as granted, never revoked", () => {
    const implicit = { ...OPTIONS, consentMode: "implicit" as const };
    expect(decide(facts({ customer: null }), marketing, implicit).allowed).toBe(true);
    expect(denied(decide(facts({ customer: revoked("marketing") }), marketing, implicit)).reason_code).toBe(
      "USER_OPTED_OUT",
    );
  });

  it("answers resets_at for the cap and uses the strictest frequency_limit policy", () => {
    const sent = [NOON_JAKARTA - 20 * H, NOON_JAKARTA - 3 * H];
    const d = denied(decide(facts({ sentAt: sent }), marketing, OPTIONS));
    expect(d.resets_at).toBe(new Date(NOON_JAKARTA + 4 * H).toISOString());
    const loose = policy({ id: "cap5", type: "frequency_limit", message_type: "marketing", rules: { max_per_day: 5 } });
    const strict = policy({ id: "cap1", type: "frequency_limit", rules: { max_per_day: 1 } });
    expect(decide(facts({ sentAt: sent, policies: [loose] }), marketing, OPTIONS).allowed).toBe(true);
    const capped = denied(decide(facts({ sentAt: sent, policies: [loose, strict] }), marketing, OPTIONS));
    expect(capped.resets_at).toBe(new Date(NOON_JAKARTA + 21 * H).toISOString()); // 2 held, cap 1: the newer must age out
    expect(capped.checks.find((c) => c.rule === "frequency_cap")?.detail).toContain('policy "cap1"');
  });

  it("answers opens_at and the policy for quiet hours", () => {
    const d = decide(
      facts({ now: Date.parse("2025-06-02T15:00:00Z"), policies: [QUIET_MARKETING] }),
      marketing,
      OPTIONS,
    );
    expect(d).toMatchObject({ opens_at: "2025-06-03T01:00:00.000Z", policy_id: "marketing_quiet_hours" });
    expect(d.suggested_action).toContain("schedule_message");
    expect(d.human_explanation).toContain("Asia/Jakarta");
  });

  it("marks rules that cannot be evaluated as passed with a reason, never as the denial", () => {
    const d = denied(decide(facts(), { customer_id: "12", message_type: "template", template_name: "x" }, OPTIONS));
    expect(d.reason_code).toBe("INVALID_PHONE_NUMBER");
    expect(d.checks.filter((c) => !c.passed).map((c) => c.rule)).toEqual(["valid_phone_number", "template_exists"]);
    expect(d.checks.find((c) => c.rule === "consent_not_revoked")?.detail).toMatch(/^not evaluated/);
    expect(d.customer_id).toBeNull();
  });
});

describe("recheckQueued: what can change while a message waits (rules 2, 4 and 6b only)", () => {
  const night = Date.parse("2025-06-02T15:00:00Z"); // 22:00 in Jakarta: quiet hours, which the re-check does not ask again
  const queued = (over: Partial<Facts>) =>
    facts({ now: night, sentAt: [night - H, night - 2 * H, night - 3 * H], policies: [QUIET_MARKETING], ...over });

  it.each([
    {
      name: "marketing after an opt-out",
      type: "marketing",
      f: { customer: revoked("marketing") },
      code: "USER_OPTED_OUT",
    },
    {
      name: "authentication after a utility opt-out",
      type: "authentication",
      f: { customer: revoked("utility") },
      code: "USER_OPTED_OUT",
    },
    {
      name: "service after the window closed",
      type: "service",
      f: { window: windowOf(night - 24 * H) },
      code: "TEMPLATE_REQUIRED",
    },
    { name: "service inside the window", type: "service", f: { window: windowOf(night - 23 * H) } },
    {
      name: "marketing over the cap, in quiet hours, without opt-in: decided at enqueue",
      type: "marketing",
      f: { customer: null },
    },
    { name: "utility after a marketing opt-out", type: "utility", f: { customer: revoked("marketing") } },
    {
      name: "marketing after Meta's 131049 limited the customer",
      type: "marketing",
      f: { customer: customer({ marketingLimitedUntil: night + H }), sentAt: [], policies: [] },
      code: "MARKETING_LIMITED",
    },
    {
      name: "utility while marketing is limited",
      type: "utility",
      f: { customer: customer({ marketingLimitedUntil: night + H }) },
    },
  ] as const)("$name", ({ type, f, ...want }) => {
    const d = recheckQueued(queued(f), { customer_id: ID_DIGITS, message_type: type });
    expect(d.allowed ? undefined : d.reason_code).toBe("code" in want ? want.code : undefined);
    expect(d.checks.map((c) => c.rule)).toEqual([RULE_NAMES.notRevoked, RULE_NAMES.window, RULE_NAMES.marketingLimit]);
    if (!d.allowed)
      expect(d).toMatchObject({
        human_explanation: decide(queued(f), { customer_id: ID_DIGITS, message_type: type }, OPTIONS).human_explanation,
      });
  });
});
