import { describe, expect, it } from "vitest";
import { decide, type DecisionRequest, policyApplies } from "../src/index.js";
import { denied, facts, H, ID_NUMBER, NOON_JAKARTA, OPTIONS, policy, QUIET_MARKETING } from "./fixtures.js";

// accounts.yaml: each business keeps its customers under its own channel ("whatsapp" or "whatsapp:<id>").
const onBusiness = (channel: string): DecisionRequest => ({
  customer_id: ID_NUMBER,
  message_type: "marketing",
  channel,
});
const night = Date.parse("2025-06-02T15:00:00Z"); // 22:00 in Jakarta

describe("policies and businesses", () => {
  it('a policy on "whatsapp" binds every business; "whatsapp:<id>" only that one', () => {
    expect(policyApplies("whatsapp", "whatsapp")).toBe(true);
    expect(policyApplies("whatsapp", "whatsapp:globex")).toBe(true);
    expect(policyApplies("whatsapp:globex", "whatsapp:globex")).toBe(true);
    expect(policyApplies("whatsapp:globex", "whatsapp")).toBe(false);
    expect(policyApplies("whatsapp:globex", "whatsapp:acme")).toBe(false);
    expect(policyApplies("sms", "whatsapp:acme")).toBe(false);
  });

  it("quiet hours on whatsapp hold another business's marketing too", () => {
    const d = denied(
      decide(facts({ now: night, policies: [QUIET_MARKETING] }), onBusiness("whatsapp:globex"), OPTIONS),
    );
    expect(d).toMatchObject({ reason_code: "POLICY_RESTRICTION", policy_id: "marketing_quiet_hours" });
  });

  it("a business's own cap applies to it alone; the strictest applying cap wins", () => {
    const sent = [NOON_JAKARTA - 3 * H];
    const globexCap = policy({
      id: "globex_cap",
      type: "frequency_limit",
      channel: "whatsapp:globex",
      rules: { max_per_day: 1 },
    });
    const everyone = policy({ id: "all_cap", type: "frequency_limit", rules: { max_per_day: 5 } });
    const f = facts({ sentAt: sent, policies: [globexCap, everyone] });
    expect(denied(decide(f, onBusiness("whatsapp:globex"), OPTIONS)).checks.find((c) => !c.passed)?.detail).toContain(
      'policy "globex_cap"',
    );
    expect(decide(f, onBusiness("whatsapp:acme"), OPTIONS).allowed).toBe(true);
    expect(decide(f, onBusiness("whatsapp"), OPTIONS).allowed).toBe(true);
  });
});
