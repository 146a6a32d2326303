/** A refusal as every console answer carries it (the tools' shape): what, why in words, what to do instead. */
export interface Refusal {
  readonly ok: false;
  readonly reason_code: string;
  readonly human_explanation: string;
  readonly suggested_action: string;
}

export type Outcome<T> = ({ ok: true } & T) | Refusal;

export function refuse(reason_code: string, human_explanation: string, suggested_action: string): Refusal {
  return { ok: false, reason_code, human_explanation, suggested_action };
}

/** HTTP status of a refusal code: the console's own codes and the tools' vocabulary. */
export function statusOf(reason_code: string): 400 | 401 | 403 | 404 | 409 | 429 | 502 | 503 {
  switch (reason_code) {
    case "UNAUTHENTICATED":
      return 401;
    case "FORBIDDEN":
    case "CSRF_FAILED":
      return 403;
    case "NOT_FOUND":
    case "TEMPLATE_NOT_FOUND":
      return 404;
    case "RATE_LIMITED":
      return 429;
    case "INVALID_STATE_TRANSITION":
    case "CAMPAIGN_TERMINAL_STATE":
    case "ALREADY_EXISTS":
    case "WEBHOOK_STILL_FAILING":
      return 409;
    case "META_API_ERROR":
      return 502;
    case "UNAVAILABLE":
      return 503;
    default:
      return 400;
  }
}
