import type { ClaimedRow } from "./types.js";

export interface RecheckDenial {
  readonly reasonCode: "USER_OPTED_OUT" | "TEMPLATE_REQUIRED";
  readonly explanation: string;
}

const WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * What can change while a message waits in the queue (compliance.md rules 2 and 4): an opt-out since
 * enqueue, or, for a service message, a window that closed. The cap (already reserved), templates and
 * policies were decided at enqueue and are not asked again. Null when the message may go.
 */
export function recheck(row: ClaimedRow, now: number): RecheckDenial | null {
  if (row.category === "marketing" && row.marketing_consent === "revoked") {
    return { reasonCode: "USER_OPTED_OUT", explanation: "The customer revoked marketing consent after this message was queued, so it was not sent." };
  }
  if ((row.category === "utility" || row.category === "authentication") && row.utility_consent === "revoked") {
    return { reasonCode: "USER_OPTED_OUT", explanation: "The customer revoked utility consent after this message was queued, so it was not sent." };
  }
  if (row.category === "service") {
    const last = row.last_inbound_at ? new Date(row.last_inbound_at).getTime() : null;
    if (last === null || last + WINDOW_MS <= now) {
      return { reasonCode: "TEMPLATE_REQUIRED", explanation: "The 24-hour customer service window closed before this free-form message could be sent, so it was not sent." };
    }
  }
  return null;
}
