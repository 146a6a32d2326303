export type RateLimitErrorCode = "INVALID_ARGUMENT";

/** A limiter setting that could never grant a token (Redis faults never throw: the limiter falls back). */
export class RateLimitError extends Error {
  readonly code: RateLimitErrorCode;

  constructor(code: RateLimitErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RateLimitError";
    this.code = code;
  }
}
