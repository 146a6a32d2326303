import type { MetaResult } from "../result.js";
import { createGraphCall } from "./graph-request.js";
import { fetchTransport, undiciTransport } from "./http-transport.js";
import { createTemplatePayload, markReadPayload, richPayload, templatePayload, textPayload } from "./payloads.js";
import {
  createdTemplateSchema,
  phoneNumberSchema,
  sendResultSchema,
  successSchema,
  templatePageSchema,
  templateSchema,
  wabaSchema,
} from "./schemas.js";
import type { ListTemplatesInput, MetaClient, MetaClientConfig, TemplateInfo } from "./types.js";

const TEMPLATE_FIELDS = [
  "id",
  "name",
  "language",
  "status",
  "category",
  "components",
  "parameter_format",
  "quality_score",
  "rejected_reason",
  "previous_category",
  "sub_category",
];
const PHONE_FIELDS = [
  "id",
  "verified_name",
  "display_phone_number",
  "quality_rating",
  "throughput",
  "whatsapp_business_manager_messaging_limit",
  "platform_type",
  "name_status",
  "status",
  "code_verification_status",
];
const WABA_FIELDS = [
  "id",
  "name",
  "timezone_id",
  "currency",
  "message_template_namespace",
  "status",
  "business_verification_status",
  "country",
];

/**
 * Graph API client. Holds no sockets of its own: calls share one undici keep-alive pool per process
 * (http-transport.ts), so there is nothing to close. An injected `fetch` replaces the transport.
 */
export function createMetaClient(config: MetaClientConfig): MetaClient {
  const call = createGraphCall({
    baseUrl: config.baseUrl,
    version: config.version,
    accessToken: config.accessToken,
    timeoutMs: config.timeoutMs ?? 10_000,
    transport: config.fetch ? fetchTransport(config.fetch) : undiciTransport,
  });

  const listTemplates: MetaClient["listTemplates"] = (input = {}) =>
    call(
      {
        method: "GET",
        path: [config.wabaId, "message_templates"],
        query: {
          fields: (input.fields ?? TEMPLATE_FIELDS).join(","),
          limit: input.limit,
          after: input.after,
          status: input.status,
          name: input.name,
        },
        signal: input.signal,
      },
      templatePageSchema,
    );

  async function listAllTemplates(input: ListTemplatesInput = {}): Promise<MetaResult<TemplateInfo[]>> {
    const all: TemplateInfo[] = [];
    let after = input.after;
    for (let page = 0; page < (input.maxPages ?? 50); page++) {
      const res = await listTemplates({ ...input, after });
      if (!res.ok) return res;
      all.push(...res.value.data);
      if (res.value.after === null) break;
      after = res.value.after;
    }
    return { ok: true, value: all };
  }

  return {
    sendText: (input) =>
      call(
        {
          method: "POST",
          path: [input.phoneNumberId ?? config.phoneNumberId, "messages"],
          body: textPayload(input),
          signal: input.signal,
        },
        sendResultSchema,
      ),
    sendTemplate: (input) =>
      call(
        {
          method: "POST",
          path: [input.phoneNumberId ?? config.phoneNumberId, "messages"],
          body: templatePayload(input),
          signal: input.signal,
        },
        sendResultSchema,
      ),
    sendRich: (input) =>
      call(
        {
          method: "POST",
          path: [input.phoneNumberId ?? config.phoneNumberId, "messages"],
          body: richPayload(input),
          signal: input.signal,
        },
        sendResultSchema,
      ),
    markRead: (input) =>
      call(
        {
          method: "POST",
          path: [input.phoneNumberId ?? config.phoneNumberId, "messages"],
          body: markReadPayload(input),
          signal: input.signal,
        },
        successSchema,
      ),
    listTemplates,
    listAllTemplates,
    getTemplate: (id, options = {}) =>
      call(
        {
          method: "GET",
          path: [id],
          query: { fields: (options.fields ?? TEMPLATE_FIELDS).join(",") },
          signal: options.signal,
        },
        templateSchema,
      ),
    createTemplate: (input) =>
      call(
        {
          method: "POST",
          path: [config.wabaId, "message_templates"],
          body: createTemplatePayload(input),
          signal: input.signal,
        },
        createdTemplateSchema,
      ),
    getPhoneNumber: (options = {}) =>
      call(
        {
          method: "GET",
          path: [options.phoneNumberId ?? config.phoneNumberId],
          query: { fields: PHONE_FIELDS.join(",") },
          signal: options.signal,
        },
        phoneNumberSchema,
      ),
    getWaba: (options = {}) =>
      call(
        { method: "GET", path: [config.wabaId], query: { fields: WABA_FIELDS.join(",") }, signal: options.signal },
        wabaSchema,
      ),
  };
}
