import type { MetaResult } from "../result.js";
import type { RichContent } from "./rich.js";

export interface MetaClientConfig {
  baseUrl: string; // e.g. https://graph.facebook.com or the mock's URL
  version: string; // "v25.0" or "25.0"
  accessToken: string;
  phoneNumberId: string;
  wabaId: string;
  timeoutMs?: number; // per request, default 10 000
  fetch?: typeof fetch;
}

/** Options every call accepts: another number of the same WABA, or a caller's abort signal. */
interface CallOptions {
  signal?: AbortSignal;
}

export interface SendTextInput extends CallOptions {
  to: string; // digits, "+digits" or a BSUID
  body: string;
  previewUrl?: boolean;
  replyToMessageId?: string; // context.message_id
  bizOpaqueCallbackData?: string; // our message id, echoed in status webhooks
  phoneNumberId?: string;
}

/** Media, interactive, location or reaction content (rich.ts) to one recipient. */
export interface SendRichInput extends CallOptions {
  to: string;
  content: RichContent;
  replyToMessageId?: string;
  bizOpaqueCallbackData?: string;
  phoneNumberId?: string;
}

export interface MarkReadInput extends CallOptions {
  messageId: string; // the inbound message's wamid
  typingIndicator?: boolean;
  phoneNumberId?: string;
}

/** A template parameter exactly as Meta takes it on the wire. */
export type TemplateParameter =
  | { type: "text"; text: string; parameter_name?: string }
  | {
      type: "currency";
      currency: { fallback_value: string; code: string; amount_1000: number };
      parameter_name?: string;
    }
  | { type: "date_time"; date_time: { fallback_value: string }; parameter_name?: string }
  | { type: "image" | "video" | "document"; [media: string]: unknown }
  | { type: "location"; location: { latitude: number; longitude: number; name?: string; address?: string } }
  | { type: "payload"; payload: string }
  | { type: "coupon_code"; coupon_code: string }
  | { type: "action"; action: Record<string, unknown> };

interface TemplateButton {
  subType: "quick_reply" | "url" | "flow" | "copy_code" | "catalog" | (string & {});
  index: number; // 0-based position of the button in the template
  parameters: TemplateParameter[];
}

export interface SendTemplateInput extends CallOptions {
  to: string;
  name: string;
  languageCode: string; // e.g. en_US
  params?: string[] | Record<string, string>; // positional {{1}}.. or named {{first_name}}
  header?: TemplateParameter[];
  buttons?: TemplateButton[];
  replyToMessageId?: string;
  bizOpaqueCallbackData?: string;
  phoneNumberId?: string;
}

export interface SendResult {
  wamid: string;
  input: string | null; // what Meta echoes from `to`
  waId: string | null; // null when Meta returned "" (message addressed to a BSUID)
  userId: string | null; // BSUID, when Meta returns one
  messageStatus: string | null; // template pacing status, e.g. "accepted"
}

export interface TemplateInfo {
  id: string;
  name: string;
  language: string;
  status: string; // APPROVED, PENDING, REJECTED, PAUSED, ...
  category: string;
  components: unknown[];
  parameterFormat: string | null;
  qualityScore: string | null;
  rejectedReason: string | null;
  previousCategory: string | null; // set after Meta recategorized it
  raw: Record<string, unknown>;
}

export interface TemplatePage {
  data: TemplateInfo[];
  after: string | null; // cursor for the next page; null on the last page
}

export interface ListTemplatesInput extends CallOptions {
  limit?: number;
  after?: string;
  fields?: string[];
  status?: string;
  name?: string;
  maxPages?: number; // listAllTemplates only, default 50
}

export interface CreateTemplateInput extends CallOptions {
  name: string;
  category: "MARKETING" | "UTILITY" | "AUTHENTICATION";
  language: string;
  components?: unknown[]; // wire components; wins over bodyText
  bodyText?: string;
  examples?: string[] | Record<string, string>; // one example per placeholder
  parameterFormat?: "positional" | "named";
}

export interface CreatedTemplate {
  id: string;
  status: string;
  category: string | null;
}

export interface PhoneNumberInfo {
  id: string;
  verifiedName: string | null;
  displayPhoneNumber: string | null;
  qualityRating: string | null;
  throughputLevel: string | null;
  messagingLimitTier: string | null; // whatsapp_business_manager_messaging_limit
  platformType: string | null;
  nameStatus: string | null;
  status: string | null;
  raw: Record<string, unknown>;
}

export interface WabaInfo {
  id: string;
  name: string | null;
  timezoneId: string | null;
  currency: string | null;
  messageTemplateNamespace: string | null;
  status: string | null;
  businessVerificationStatus: string | null;
  country: string | null;
  raw: Record<string, unknown>;
}

export interface MetaClient {
  sendText(input: SendTextInput): Promise<MetaResult<SendResult>>;
  sendTemplate(input: SendTemplateInput): Promise<MetaResult<SendResult>>;
  sendRich(input: SendRichInput): Promise<MetaResult<SendResult>>;
  markRead(input: MarkReadInput): Promise<MetaResult<{ success: boolean }>>;
  listTemplates(input?: ListTemplatesInput): Promise<MetaResult<TemplatePage>>;
  listAllTemplates(input?: ListTemplatesInput): Promise<MetaResult<TemplateInfo[]>>;
  getTemplate(id: string, options?: CallOptions & { fields?: string[] }): Promise<MetaResult<TemplateInfo>>;
  createTemplate(input: CreateTemplateInput): Promise<MetaResult<CreatedTemplate>>;
  getPhoneNumber(options?: CallOptions & { phoneNumberId?: string }): Promise<MetaResult<PhoneNumberInfo>>;
  getWaba(options?: CallOptions): Promise<MetaResult<WabaInfo>>;
}
