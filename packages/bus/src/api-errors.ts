import { JetStreamApiError } from "@nats-io/jetstream";

/** JetStream API error codes we branch on (nats-server errors.json). */
export const ApiCode = {
  StreamNotFound: 10059,
  StreamNameInUse: 10058, // "stream name already in use with a different configuration"
  ConsumerNotFound: 10014,
  ConsumerNameInUse: 10013,
  ConsumerExistingActive: 10105,
  ConsumerAlreadyExists: 10148, // 2.10+: create action on an existing, different consumer
} as const;

export function apiCode(err: unknown): number | null {
  return err instanceof JetStreamApiError ? err.code : null;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
