import type { AuditActor } from "@wa/db";
export type Clock = () => number; // epoch ms

/** Who asked for a lifecycle change; written to the audit log. */
export type CampaignActor = AuditActor;
/** Campaign message counters (get_campaign's `counters`). */
export interface CampaignCounters {
  readonly audience: number;
  readonly enqueued: number;
  readonly skipped_by_reason: Readonly<Record<string, number>>;
  readonly sent: number;
  readonly delivered: number;
  readonly read: number;
  readonly failed: number;
  readonly cancelled: number;
}

/** Why a running fan-out is not moving right now (said in progress). */
export interface CampaignWait {
  readonly reason: "messaging_limit";
  readonly tier: string;
  readonly limit: number; // unique recipients per rolling 24 h
  readonly used: number;
  readonly resumes_at: string | null; // RFC 3339
  readonly explanation: string;
}

export interface CampaignProgress {
  readonly pct: number; // 0-100: audience with a final outcome (skipped, or message out of our hands)
  readonly fanout_done: boolean;
  readonly visited: number; // recipients the fan-out has handled (enqueued + skipped)
  readonly pending: number; // campaign messages still scheduled/queued/sending/retrying
  readonly held_for_quiet_hours: number; // of which `scheduled` (held until quiet hours end)
  readonly eta: string | null; // RFC 3339; null when unknown or finished
  readonly waiting: CampaignWait | null;
}
