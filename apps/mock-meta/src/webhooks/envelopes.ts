export type WebhookEvent =
  | { readonly kind: "status"; readonly phoneId: string; readonly status: object }
  | { readonly kind: "message"; readonly phoneId: string; readonly contact: object; readonly message: object }
  | {
      readonly kind: "waba";
      readonly wabaId: string;
      readonly field: string;
      readonly value: object;
      readonly time: number;
    };

export interface PhoneMeta {
  readonly wabaId: string;
  readonly displayPhoneNumber: string;
}

export interface Envelope {
  readonly wabaId: string; // whose app secret signs it
  readonly payload: object;
  readonly events: number;
}

/**
 * Groups due events into Meta envelopes: per phone number, statuses and inbound messages each batched up to
 * `maxBatch` per POST (Meta allows far more; batching is what the receiver must cope with); WABA-level events alone.
 */
export function buildEnvelopes(
  events: readonly WebhookEvent[],
  maxBatch: number,
  phoneMeta: (phoneId: string) => PhoneMeta | undefined,
): Envelope[] {
  const out: Envelope[] = [];
  const byPhone = new Map<string, { statuses: object[]; contacts: object[]; messages: object[] }>();
  for (const e of events) {
    if (e.kind === "waba") {
      const entry = { id: e.wabaId, time: e.time, changes: [{ value: e.value, field: e.field }] };
      out.push({ wabaId: e.wabaId, payload: { object: "whatsapp_business_account", entry: [entry] }, events: 1 });
      continue;
    }
    let group = byPhone.get(e.phoneId);
    if (group === undefined) {
      group = { statuses: [], contacts: [], messages: [] };
      byPhone.set(e.phoneId, group);
    }
    if (e.kind === "status") group.statuses.push(e.status);
    else {
      group.contacts.push(e.contact);
      group.messages.push(e.message);
    }
  }
  for (const [phoneId, group] of byPhone) {
    const meta = phoneMeta(phoneId);
    if (meta === undefined) continue;
    const metadata = { display_phone_number: meta.displayPhoneNumber, phone_number_id: phoneId };
    const wrap = (value: object, n: number): Envelope => ({
      wabaId: meta.wabaId,
      payload: {
        object: "whatsapp_business_account",
        entry: [
          {
            id: meta.wabaId,
            changes: [{ value: { messaging_product: "whatsapp", metadata, ...value }, field: "messages" }],
          },
        ],
      },
      events: n,
    });
    for (let i = 0; i < group.messages.length; i += maxBatch) {
      const contacts = group.contacts.slice(i, i + maxBatch);
      out.push(wrap({ contacts, messages: group.messages.slice(i, i + maxBatch) }, contacts.length));
    }
    for (let i = 0; i < group.statuses.length; i += maxBatch) {
      const statuses = group.statuses.slice(i, i + maxBatch);
      out.push(wrap({ statuses }, statuses.length));
    }
  }
  return out;
}
