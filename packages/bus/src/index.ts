export { busSubjects } from "./names.js";
export type { BusNames, BusSubjects } from "./names.js";
export { BusError, isBusError } from "./errors.js";
export type { BusErrorCode } from "./errors.js";
export type { BusLogger } from "./logger.js";
export { connectBus } from "./connect.js";
export type { Bus, ConnectBusOptions } from "./connect.js";
export { DELIVERY_BACKOFF_MS, topology } from "./topology.js";
export type { ConsumerSpec, StreamSpec, StreamTopology, Topology } from "./topology.js";
export { ensureTopology } from "./ensure-topology.js";
export { checkTopology } from "./check-topology.js";
export type { TopologyProblem, TopologyProblemCode } from "./check-topology.js";
export {
  campaignTriggerEnvelope,
  decodeEnvelope,
  outboundEnvelope,
  retryEnvelope,
  WEBHOOK_RECEIVED_AT_HEADER,
} from "./envelopes.js";
export type { CampaignTriggerEnvelope, OutboundEnvelope, RetryEnvelope } from "./envelopes.js";
export {
  DEFAULT_PUBLISH_TIMEOUT_MS,
  publish,
  publishCampaignTrigger,
  publishOutbound,
  publishRetry,
  publishWebhookBody,
  webhookMsgId,
} from "./publish.js";
export type { PublishOptions, PublishResult, TypedPublishOptions, WebhookPublishOptions } from "./publish.js";
export { backoffMs, verdict } from "./verdict.js";
export type { Handler, MessageContext, Verdict } from "./verdict.js";
export { defaultOnThrow } from "./settle.js";
export type { OnThrow } from "./settle.js";
export { runConsumer } from "./run-consumer.js";
export type { ConsumerRunner, RunConsumerOptions } from "./run-consumer.js";
export type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
export type { NatsConnection } from "@nats-io/transport-node";
