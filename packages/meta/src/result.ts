/** How a call to Meta failed: Meta answered with an error envelope, or it never answered usefully. */
export type MetaErrorKind = "graph" | "network" | "timeout" | "invalid_response";

export interface MetaError {
  kind: MetaErrorKind;
  code: number | null; // Graph `error.code`; null for network/timeout/invalid_response
  subcode: number | null;
  title: string;
  message: string;
  details: string | null; // error.error_data.details: Meta says to branch on code + details
  fbtraceId: string | null;
  httpStatus: number | null; // null when no HTTP answer arrived
  type: string | null; // e.g. OAuthException
  isTransient: boolean | null;
}

export type MetaResult<T> = { ok: true; value: T } | { ok: false; error: MetaError };
