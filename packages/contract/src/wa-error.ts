import type { ReasonCode } from "./reason-codes.js";

/** A fault that crosses layers (UNAVAILABLE, NOT_FOUND, META_API_ERROR…); the edges map `code` to the wire. */
export class WaError extends Error {
  readonly code: ReasonCode;

  constructor(code: ReasonCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "WaError";
    this.code = code;
  }
}

export function isWaError(err: unknown): err is WaError {
  return err instanceof WaError;
}
