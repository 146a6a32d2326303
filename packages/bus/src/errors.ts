export type BusErrorCode = "PUBLISH_FAILED" | "BAD_ENVELOPE" | "TOPOLOGY_CONFLICT";

/** A bus fault. `cause` carries the nats.js error; messages never include payloads. */
export class BusError extends Error {
  readonly code: BusErrorCode;

  constructor(code: BusErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BusError";
    this.code = code;
  }
}

export function isBusError(err: unknown, code?: BusErrorCode): err is BusError {
  return err instanceof BusError && (code === undefined || err.code === code);
}
