/** An error object inside a webhook (value.errors, messages[].errors, statuses[].errors). */
export interface WebhookError {
  code: number | null;
  title: string | null;
  message: string | null;
  details: string | null; // error_data.details
  href: string | null;
}

interface EventBase {
  dedupKey: string; // stable across Meta's redeliveries of the same update
  timestamp: number | null; // ms, from Meta's own fields (message/status timestamp or entry.time)
  wabaId: string; // entry.id
  phoneNumberId: string | null; // metadata.phone_number_id; absent on WABA-level fields
  displayPhoneNumber: string | null;
  raw: unknown; // the object this event was read from, unknown fields included
}

export interface InboundContact {
  name: string | null;
  waId: string | null; // null when Meta sends "" (user known only by BSUID)
  userId: string | null; // BSUID
  parentUserId: string | null;
  username: string | null;
  countryCode: string | null;
}

export interface InboundMedia {
  id: string | null;
  mimeType: string | null;
  sha256: string | null;
  caption: string | null;
  filename: string | null;
  voice: boolean | null;
  animated: boolean | null;
  url: string | null;
}

export type InboundContent =
  | { type: "text"; body: string }
  | { type: "image" | "video" | "audio" | "document" | "sticker"; media: InboundMedia }
  | {
      type: "location";
      latitude: number | null;
      longitude: number | null;
      name: string | null;
      address: string | null;
      url: string | null;
    }
  | { type: "contacts"; contacts: unknown[] }
  | { type: "reaction"; messageId: string | null; emoji: string | null } // emoji null: reaction removed
  | {
      type: "interactive";
      interactiveType: string; // button_reply | list_reply | nfm_reply | …
      id: string | null;
      title: string | null;
      description: string | null;
      responseJson: string | null; // nfm_reply (Flows), left as Meta's JSON string
    }
  | { type: "button"; payload: string | null; text: string | null }
  | { type: "order"; catalogId: string | null; text: string | null; productItems: unknown[] }
  | {
      type: "system";
      systemType: string | null;
      body: string | null;
      newWaId: string | null;
      userId: string | null;
      previousUserId: string | null;
    }
  | { type: "request_welcome" }
  | { type: "edit"; originalMessageId: string | null; edited: InboundContent | null }
  | { type: "revoke"; originalMessageId: string | null }
  | { type: "unsupported" }
  | { type: "unknown"; rawType: string };

export interface InboundMessageEvent extends EventBase {
  kind: "message";
  wamid: string;
  from: string | null; // phone digits; may be absent for username users
  fromUserId: string | null; // BSUID
  customerKey: string; // phone when present, else BSUID
  contact: InboundContact | null;
  context: { messageId: string | null; from: string | null; forwarded: boolean; frequentlyForwarded: boolean } | null;
  referral: Record<string, unknown> | null;
  text: string | null; // the words the user sent (text body, caption, button/list title), for keyword rules
  content: InboundContent;
  errors: WebhookError[];
}

export type DeliveryStatus = "sent" | "delivered" | "read" | "played" | "failed";

export interface StatusEvent extends EventBase {
  kind: "status";
  wamid: string;
  status: DeliveryStatus;
  recipientId: string | null; // null when Meta sends "" (sent to a BSUID)
  recipientUserId: string | null;
  customerKey: string | null;
  recipientType: string | null;
  bizOpaqueCallbackData: string | null; // our message id
  conversation: { id: string | null; expiresAt: number | null; originType: string | null } | null;
  pricing: {
    billable: boolean | null;
    pricingModel: string | null;
    type: string | null;
    category: string | null;
  } | null;
  errors: WebhookError[];
}

interface TemplateRef {
  templateId: string; // integer in webhooks, kept as string like the API
  templateName: string | null;
  language: string | null; // en-US normalized to en_US
}

export interface TemplateStatusEvent extends EventBase, TemplateRef {
  kind: "template_status";
  event: string; // APPROVED, REJECTED, PAUSED, …
  reason: string | null;
  category: string | null;
  disableDate: string | null;
  otherInfo: { title: string | null; description: string | null } | null;
  rejectionInfo: { reason: string | null; recommendation: string | null } | null;
}

export interface TemplateCategoryEvent extends EventBase, TemplateRef {
  kind: "template_category";
  previousCategory: string | null;
  newCategory: string | null;
  correctCategory: string | null;
}

export interface TemplateQualityEvent extends EventBase, TemplateRef {
  kind: "template_quality";
  previousQualityScore: string | null;
  newQualityScore: string | null;
}

interface UserPreferenceEvent extends EventBase {
  kind: "user_preference";
  waId: string | null;
  userId: string | null;
  customerKey: string;
  category: string; // marketing_messages
  value: string; // stop | resume
  detail: string | null;
}

export interface AccountUpdateEvent extends EventBase {
  kind: "account_update";
  event: string;
  phoneNumber: string | null;
  info: Record<string, unknown>; // the whole value (ban_info, restriction_info, volume_tier_info, …)
}

export interface PhoneQualityEvent extends EventBase {
  kind: "phone_quality";
  event: string; // THROUGHPUT_UPGRADE, FLAGGED, UNFLAGGED, …
  currentLimit: string | null;
  oldLimit: string | null;
}

interface SystemErrorEvent extends EventBase {
  kind: "error";
  errors: WebhookError[];
}

export interface UnknownEvent extends EventBase {
  kind: "unknown";
  field: string | null;
  reason: string;
}

export type WebhookEvent =
  | InboundMessageEvent
  | StatusEvent
  | TemplateStatusEvent
  | TemplateCategoryEvent
  | TemplateQualityEvent
  | UserPreferenceEvent
  | AccountUpdateEvent
  | PhoneQualityEvent
  | SystemErrorEvent
  | UnknownEvent;

export type ParseWebhookResult = { ok: true; events: WebhookEvent[] } | { ok: false; error: string };
