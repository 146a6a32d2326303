export type RateLimitErrorCode = "REDIS_UNAVAILABLE" | "INVALID_ARGUMENT";

/** A ratelimit fault. Redis faults carry the ioredis error as `cause`. */
export class RateLimitError extends Error {
  readonly code: RateLimitErrorCode;

  constructor(code: RateLimitErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RateLimitError";
    this.code = code;
  }
}

export function isRateLimitError(err: unknown, code?: RateLimitErrorCode): err is RateLimitError {
  return err instanceof RateLimitError && (code === undefined || err.code === code);
}
