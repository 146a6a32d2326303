import type { JetStreamManager } from "@nats-io/jetstream";
import { ApiCode, apiCode, messageOf } from "./api-errors.js";
import { BusError } from "./errors.js";
import type { BusNames } from "./names.js";
import { topology, type ConsumerSpec, type StreamSpec } from "./topology.js";

/**
 * Creates or updates every stream and consumer of topology(names). Idempotent and safe when several
 * processes start at once: a create that loses a race (or meets an older config) re-reads and updates.
 * Throws BusError TOPOLOGY_CONFLICT when the server state cannot be brought in line (immutable field).
 */
export async function ensureTopology(jsm: JetStreamManager, names: BusNames): Promise<void> {
  for (const { stream, consumer } of Object.values(topology(names))) {
    await ensureStream(jsm, stream);
    await ensureConsumer(jsm, stream.name, consumer);
  }
}

async function ensureStream(jsm: JetStreamManager, spec: StreamSpec): Promise<void> {
  try {
    await jsm.streams.add({ ...spec, subjects: [...spec.subjects] });
    return;
  } catch (err) {
    if (apiCode(err) !== ApiCode.StreamNameInUse) throw conflictOr(err, `stream ${spec.name}`);
  }
  const { config } = await jsm.streams.info(spec.name);
  if (config.retention !== spec.retention || config.storage !== spec.storage) {
    throw new BusError(
      "TOPOLOGY_CONFLICT",
      `stream ${spec.name} exists with retention=${config.retention} storage=${config.storage}; ` +
        `declared ${spec.retention}/${spec.storage} cannot be reached by update: delete the stream`,
    );
  }
  const { subjects, description, discard, duplicate_window, num_replicas } = spec;
  try {
    await jsm.streams.update(spec.name, {
      subjects: [...subjects],
      description,
      discard,
      duplicate_window,
      num_replicas,
    });
  } catch (err) {
    throw conflictOr(err, `stream ${spec.name}`);
  }
}

const CONSUMER_EXISTS: ReadonlySet<number> = new Set([
  ApiCode.ConsumerNameInUse,
  ApiCode.ConsumerExistingActive,
  ApiCode.ConsumerAlreadyExists,
]);

// nats-server 2.9 treats a durable create with a changed config as an update; newer servers answer
// "already exists", which we turn into an explicit update of the mutable fields.
async function ensureConsumer(jsm: JetStreamManager, stream: string, spec: ConsumerSpec): Promise<void> {
  try {
    await jsm.consumers.add(stream, { ...spec });
    return;
  } catch (err) {
    const code = apiCode(err);
    if (code === null || !CONSUMER_EXISTS.has(code)) throw conflictOr(err, `consumer ${stream}/${spec.durable_name}`);
  }
  const { ack_wait, max_deliver, max_ack_pending, description } = spec;
  try {
    await jsm.consumers.update(stream, spec.durable_name, { ack_wait, max_deliver, max_ack_pending, description });
  } catch (err) {
    throw conflictOr(err, `consumer ${stream}/${spec.durable_name}`);
  }
}

/** API refusals about the config become TOPOLOGY_CONFLICT; transport faults pass through unchanged. */
function conflictOr(err: unknown, what: string): unknown {
  if (apiCode(err) === null) return err;
  return new BusError("TOPOLOGY_CONFLICT", `${what}: ${messageOf(err)}`, { cause: err });
}
