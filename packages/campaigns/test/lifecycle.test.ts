import type { CampaignStatus } from "@wa/db";
import { describe, expect, it } from "vitest";
import { checkTransition, type CampaignAction } from "../src/index.js";

const S: CampaignStatus[] = ["scheduled", "running", "paused", "completed", "cancelled", "failed"];
type Row = [CampaignAction, CampaignStatus, true | "INVALID_STATE_TRANSITION" | "CAMPAIGN_TERMINAL_STATE"];

const table: Row[] = [
  ["pause", "scheduled", true],
  ["pause", "running", true],
  ["pause", "paused", "INVALID_STATE_TRANSITION"],
  ["pause", "completed", "INVALID_STATE_TRANSITION"],
  ["pause", "cancelled", "INVALID_STATE_TRANSITION"],
  ["pause", "failed", "INVALID_STATE_TRANSITION"],
  ["resume", "paused", true],
  ["resume", "scheduled", "INVALID_STATE_TRANSITION"],
  ["resume", "running", "INVALID_STATE_TRANSITION"],
  ["resume", "completed", "CAMPAIGN_TERMINAL_STATE"],
  ["resume", "cancelled", "CAMPAIGN_TERMINAL_STATE"],
  ["resume", "failed", "CAMPAIGN_TERMINAL_STATE"],
  ["cancel", "scheduled", true],
  ["cancel", "running", true],
  ["cancel", "paused", true],
  ["cancel", "completed", "CAMPAIGN_TERMINAL_STATE"],
  ["cancel", "cancelled", "CAMPAIGN_TERMINAL_STATE"],
  ["cancel", "failed", "CAMPAIGN_TERMINAL_STATE"],
  ["start", "scheduled", true],
  ["start", "paused", "INVALID_STATE_TRANSITION"],
  ["complete", "running", true],
  ["complete", "paused", "INVALID_STATE_TRANSITION"],
  ["complete", "completed", "CAMPAIGN_TERMINAL_STATE"],
  ["fail", "running", true],
  ["fail", "cancelled", "CAMPAIGN_TERMINAL_STATE"],
];

describe("checkTransition", () => {
  it.each(table)("%s from %s → %s", (action, from, want) => {
    const r = checkTransition(from, action);
    if (want === true) expect(r).toEqual({ ok: true, from });
    else {
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.reason_code).toBe(want);
        expect(r.human_explanation).toContain(from);
        expect(r.suggested_action.length).toBeGreaterThan(10);
      }
    }
  });

  it("never lets a terminal campaign move", () => {
    for (const s of ["completed", "cancelled", "failed"] as const) {
      for (const a of ["start", "pause", "resume", "cancel", "complete", "fail"] as const)
        expect(checkTransition(s, a).ok).toBe(false);
    }
    expect(S).toHaveLength(6);
  });
});
