import { AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { busSubjects, type BusNames } from "./names.js";

/** Nak delays for a failed delivery attempt: after the 1st attempt 1 s, after later ones 5 s. */
export const DELIVERY_BACKOFF_MS: readonly number[] = [1000, 5000];

/** Nak delays while a dependency is unreachable: growing to 15 s, repeated for as long as the outage lasts. */
export const OUTAGE_BACKOFF_MS: readonly number[] = [1000, 2000, 5000, 10_000, 15_000];

export type StreamSpec = {
  readonly name: string;
  readonly subjects: readonly string[];
  readonly retention: RetentionPolicy;
  readonly storage: StorageType;
  readonly discard: DiscardPolicy;
  readonly duplicate_window: number; // nanos
  readonly num_replicas: number;
  readonly description: string;
};

export type ConsumerSpec = {
  readonly durable_name: string;
  readonly ack_policy: AckPolicy;
  readonly deliver_policy: DeliverPolicy;
  readonly max_deliver: number;
  readonly ack_wait: number; // nanos
  readonly max_ack_pending: number;
  readonly description: string;
};

type StreamTopology = { readonly stream: StreamSpec; readonly consumer: ConsumerSpec };
export type Topology = {
  readonly delivery: StreamTopology;
  readonly campaign: StreamTopology;
  readonly webhooks: StreamTopology;
};

const SECOND = 1000;
const MINUTE = 60 * SECOND;

function workQueue(name: string, subjects: string[], duplicateWindowMs: number, description: string): StreamSpec {
  return {
    name,
    subjects,
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(duplicateWindowMs),
    num_replicas: 1,
    description,
  };
}

// nats-server 2.9.10 allows one unfiltered consumer per WorkQueue stream and no filter_subjects,
// so every stream has exactly one durable pull consumer that sees all of its subjects.
function pullConsumer(
  name: string,
  o: { maxDeliver: number; ackWaitMs: number; maxAckPending: number },
  description: string,
): ConsumerSpec {
  return {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_deliver: o.maxDeliver,
    ack_wait: nanos(o.ackWaitMs),
    max_ack_pending: o.maxAckPending,
    description,
  };
}

/** The single definition of every stream and consumer; ensureTopology and checkTopology read only this. */
export function topology(names: BusNames): Topology {
  const s = busSubjects(names);
  return {
    delivery: {
      stream: workQueue(names.DELIVERY_STREAM, [s.outbound, s.retry], 2 * MINUTE, "outbound messages to send to Meta"),
      consumer: pullConsumer(
        names.DELIVERY_CONSUMER,
        { maxDeliver: 3, ackWaitMs: 30 * SECOND, maxAckPending: 1000 },
        "delivery workers; backoff by nak delay",
      ),
    },
    campaign: {
      stream: workQueue(names.CAMPAIGN_STREAM, [s.campaignTrigger], 2 * MINUTE, "campaign fan-out triggers"),
      // progress lives in Postgres, so a redelivery resumes from the cursor: many attempts are harmless
      consumer: pullConsumer(
        names.CAMPAIGN_CONSUMER,
        { maxDeliver: 20, ackWaitMs: 5 * MINUTE, maxAckPending: 100 },
        "campaign workers; one page per working() extension",
      ),
    },
    webhooks: {
      stream: workQueue(names.WEBHOOK_STREAM, [s.webhookEvents], 10 * MINUTE, "raw Meta webhook bodies"),
      // Unlimited: the raw body exists only here (Meta already got its 200), so a Postgres outage of any length
      // must not use up its attempts. The processor parks poison events itself and acks; it never drops a body.
      consumer: pullConsumer(
        names.WEBHOOK_CONSUMER,
        { maxDeliver: -1, ackWaitMs: 30 * SECOND, maxAckPending: 1000 },
        "webhook processors",
      ),
    },
  };
}
