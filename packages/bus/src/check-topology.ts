import type { ConsumerInfo, JetStreamManager, StreamInfo } from "@nats-io/jetstream";
import { ApiCode, apiCode } from "./api-errors.js";
import type { BusNames } from "./names.js";
import { topology, type ConsumerSpec, type StreamSpec } from "./topology.js";

type TopologyProblemCode =
  | "missing_stream"
  | "stream_config"
  | "missing_consumer"
  | "consumer_config"
  | "foreign_consumer";

export type TopologyProblem = {
  readonly code: TopologyProblemCode;
  readonly stream: string;
  readonly consumer: string | null;
  readonly detail: string;
};

/** Compares the server with topology(names) and lists every difference; [] means ready. */
export async function checkTopology(jsm: JetStreamManager, names: BusNames): Promise<TopologyProblem[]> {
  const problems: TopologyProblem[] = [];
  for (const { stream, consumer } of Object.values(topology(names))) {
    const si = await infoOrNull(() => jsm.streams.info(stream.name), ApiCode.StreamNotFound);
    if (si === null) {
      problems.push({ code: "missing_stream", stream: stream.name, consumer: null, detail: "stream does not exist" });
      continue;
    }
    problems.push(...streamDiffs(stream, si));
    const ci = await infoOrNull(() => jsm.consumers.info(stream.name, consumer.durable_name), ApiCode.ConsumerNotFound);
    if (ci === null) {
      problems.push({
        code: "missing_consumer",
        stream: stream.name,
        consumer: consumer.durable_name,
        detail: "consumer does not exist",
      });
    } else {
      problems.push(...consumerDiffs(stream.name, consumer, ci));
    }
    for await (const other of jsm.consumers.list(stream.name)) {
      if (other.name === consumer.durable_name) continue;
      // on a WorkQueue stream another unfiltered consumer blocks ours (2.9: one per stream)
      problems.push({
        code: "foreign_consumer",
        stream: stream.name,
        consumer: other.name,
        detail: "unexpected consumer on work-queue stream",
      });
    }
  }
  return problems;
}

async function infoOrNull<T>(read: () => Promise<T>, notFound: number): Promise<T | null> {
  try {
    return await read();
  } catch (err) {
    if (apiCode(err) === notFound) return null;
    throw err;
  }
}

function streamDiffs(spec: StreamSpec, si: StreamInfo): TopologyProblem[] {
  const c = si.config;
  const out: string[] = [];
  const want = spec.subjects.toSorted().join(",");
  const have = (c.subjects ?? []).toSorted().join(",");
  if (want !== have) out.push(`subjects are [${have}], want [${want}]`);
  if (c.retention !== spec.retention) out.push(`retention is ${c.retention}, want ${spec.retention}`);
  if (c.storage !== spec.storage) out.push(`storage is ${c.storage}, want ${spec.storage}`);
  if (c.duplicate_window !== spec.duplicate_window)
    out.push(`duplicate_window is ${c.duplicate_window}ns, want ${spec.duplicate_window}ns`);
  return out.map((detail) => ({ code: "stream_config", stream: spec.name, consumer: null, detail }));
}

function consumerDiffs(stream: string, spec: ConsumerSpec, ci: ConsumerInfo): TopologyProblem[] {
  const c = ci.config;
  const out: string[] = [];
  if (c.ack_policy !== spec.ack_policy) out.push(`ack_policy is ${c.ack_policy}, want ${spec.ack_policy}`);
  if (c.max_deliver !== spec.max_deliver) out.push(`max_deliver is ${c.max_deliver}, want ${spec.max_deliver}`);
  if (c.ack_wait !== spec.ack_wait) out.push(`ack_wait is ${c.ack_wait}ns, want ${spec.ack_wait}ns`);
  if (c.max_ack_pending !== spec.max_ack_pending)
    out.push(`max_ack_pending is ${c.max_ack_pending}, want ${spec.max_ack_pending}`);
  if (c.filter_subject) out.push(`filter_subject is ${c.filter_subject}, want none`);
  if (c.deliver_subject) out.push("is a push consumer, want pull");
  return out.map((detail) => ({ code: "consumer_config", stream, consumer: spec.durable_name, detail }));
}
