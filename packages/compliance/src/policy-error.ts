import { WaError } from "@wa/contract";

/** A policies file or row that cannot be used; the message names the file and each bad policy. */
export class PolicyError extends WaError {
  readonly policyIds: readonly string[];

  constructor(message: string, policyIds: readonly string[] = [], options?: ErrorOptions) {
    super("INVALID_ARGUMENT", message, options);
    this.name = "PolicyError";
    this.policyIds = policyIds;
  }
}
