/** Stream, consumer and subject-prefix names; same keys as the env vars (and testkit's busNames()). */
export type BusNames = {
  readonly NATS_SUBJECT_PREFIX: string;
  readonly DELIVERY_STREAM: string;
  readonly DELIVERY_CONSUMER: string;
  readonly CAMPAIGN_STREAM: string;
  readonly CAMPAIGN_CONSUMER: string;
  readonly WEBHOOK_STREAM: string;
  readonly WEBHOOK_CONSUMER: string;
};

export type BusSubjects = {
  readonly outbound: string;
  readonly retry: string;
  readonly campaignTrigger: string;
  readonly webhookEvents: string;
  readonly inboundNew: string; // core NATS (no stream): "a customer wrote", for live MCP notifications
};

export function busSubjects(names: BusNames): BusSubjects {
  const p = names.NATS_SUBJECT_PREFIX;
  return {
    outbound: `${p}whatsapp.messages.outbound`,
    retry: `${p}whatsapp.messages.retry`,
    campaignTrigger: `${p}whatsapp.campaigns.trigger`,
    webhookEvents: `${p}whatsapp.webhooks.events`,
    inboundNew: `${p}whatsapp.inbound.new`,
  };
}
