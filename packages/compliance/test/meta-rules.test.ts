import { describe, expect, it } from "vitest";
import { type DecisionRequest, decide, RULE_NAMES } from "../src/index.js";
import { customer, denied, facts, found, H, ID_NUMBER, NOON_JAKARTA, OPTIONS, tplSend } from "./fixtures.js";

describe("Meta's rules (issue 20): the US marketing pause and the per-user marketing limit", () => {
  const US = "+1 212 555 0142"; // New York
  const usMarketing = (over: Partial<DecisionRequest> = {}) => tplSend({ customer_id: US, ...over });

  it("refuses marketing to a US number as the built-in policy meta_us_marketing_pause", () => {
    const d = denied(decide(facts({ template: found() }), usMarketing(), OPTIONS));
    expect(d).toMatchObject({
      reason_code: "POLICY_RESTRICTION",
      policy_id: "meta_us_marketing_pause",
      customer_id: "12125550142",
    });
    expect(d.human_explanation).toMatch(/US phone numbers since 2025-04-01/);
    expect(d.suggested_action).toMatch(/utility template/);
    expect(d.checks.find((c) => !c.passed)?.rule).toBe("policy:meta_us_marketing_pause");
  });

  it.each([
    ["Canada (+1 416)", "+1 416 555 0142"],
    ["Jamaica (+1 876)", "+1 876 555 0142"],
    ["Puerto Rico (+1 787), its own country code in ISO", "+1 787 555 0142"],
    ["Indonesia", ID_NUMBER],
  ])("lets marketing go to %s", (_name, to) => {
    expect(decide(facts({ template: found() }), usMarketing({ customer_id: to }), OPTIONS).allowed).toBe(true);
  });

  it("lets utility and authentication go to US numbers, and everything once switched off", () => {
    expect(decide(facts({ template: found({ category: "UTILITY" }) }), usMarketing(), OPTIONS).allowed).toBe(true);
    const off = { ...OPTIONS, usMarketingPause: false };
    const d = decide(facts({ template: found() }), usMarketing(), off);
    expect(d.allowed).toBe(true);
    expect(d.checks.find((c) => c.rule === "policy:meta_us_marketing_pause")?.detail).toMatch(/switched off/);
  });

  it("refuses marketing to a customer Meta limited (131049) until the limit ends, with resets_at", () => {
    const until = NOON_JAKARTA + 5 * H;
    const limited = facts({ template: found(), customer: customer({ marketingLimitedUntil: until }) });
    const d = denied(decide(limited, tplSend(), OPTIONS));
    expect(d).toMatchObject({ reason_code: "MARKETING_LIMITED", resets_at: new Date(until).toISOString() });
    expect(d.checks.find((c) => !c.passed)?.rule).toBe(RULE_NAMES.marketingLimit);
    expect(d.suggested_action).toContain(new Date(until).toISOString());
    expect(decide({ ...limited, now: until }, tplSend(), OPTIONS).allowed).toBe(true);
    expect(decide(limited, tplSend(), OPTIONS).allowed).toBe(false);
    const utility = facts({
      template: found({ category: "UTILITY" }),
      customer: customer({ marketingLimitedUntil: until }),
    });
    expect(decide(utility, tplSend(), OPTIONS).allowed).toBe(true);
  });
});
