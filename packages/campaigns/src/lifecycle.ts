import { refuse, type Result } from "@wa/contract";
import type { CampaignStatus } from "@wa/db";

export type CampaignAction = "start" | "pause" | "resume" | "cancel" | "complete" | "fail";

const TERMINAL_STATUSES: readonly CampaignStatus[] = ["completed", "cancelled", "failed"];

/** Where each action may start from (the lifecycle of tools.md / issue 9). */
const ALLOWED_FROM: Readonly<Record<CampaignAction, readonly CampaignStatus[]>> = {
  start: ["scheduled"],
  pause: ["scheduled", "running"],
  resume: ["paused"],
  cancel: ["scheduled", "running", "paused"],
  complete: ["running"],
  fail: ["scheduled", "running", "paused"],
};

function isTerminal(status: CampaignStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

const TOOL: Record<CampaignAction, string> = {
  start: "start",
  pause: "pause",
  resume: "resume",
  cancel: "cancel",
  complete: "complete",
  fail: "fail",
};

/**
 * May `action` run on a campaign in `status`? pause answers INVALID_STATE_TRANSITION for every other
 * state (tools.md); cancel and resume answer CAMPAIGN_TERMINAL_STATE for a finished campaign.
 */
export function checkTransition(status: CampaignStatus, action: CampaignAction): Result<{ from: CampaignStatus }> {
  if (ALLOWED_FROM[action].includes(status)) return { ok: true, from: status };
  if (isTerminal(status) && action !== "pause") {
    return refuse(
      "CAMPAIGN_TERMINAL_STATE",
      `The campaign is already ${status}; a ${status} campaign cannot ${TOOL[action]}.`,
      "Use get_campaign to read its final counters, or schedule_campaign to start a new one.",
    );
  }
  const allowed = ALLOWED_FROM[action].join(" or ");
  return refuse(
    "INVALID_STATE_TRANSITION",
    `The campaign is ${status}; ${TOOL[action]} works only on a campaign that is ${allowed}.`,
    suggestion(status),
  );
}

function suggestion(status: CampaignStatus): string {
  switch (status) {
    case "paused":
      return "Use resume_campaign to continue it, or cancel_campaign to stop it for good.";
    case "scheduled":
    case "running":
      return "Use pause_campaign to hold it, or cancel_campaign to stop it; get_campaign shows its progress.";
    case "completed":
    case "cancelled":
    case "failed":
      return "Use get_campaign to read its final counters, or schedule_campaign to start a new one.";
    default:
      return status satisfies never;
  }
}
