import { richObject } from "./rich.js";
import type {
  CreateTemplateInput,
  MarkReadInput,
  SendRichInput,
  SendTemplateInput,
  SendTextInput,
  TemplateParameter,
} from "./types.js";

/**
 * Meta prepends the *business* number's country code to a `to` without "+", so phone numbers
 * (with separators or not) are sent as "+digits"; anything else (a BSUID) goes as given.
 */
function recipientOf(to: string): string {
  const trimmed = to.trim();
  if (/^\+?[\d\s\-().]+$/.test(trimmed)) return `+${trimmed.replace(/\D/g, "")}`;
  return trimmed;
}

function envelope(input: {
  to: string;
  replyToMessageId?: string;
  bizOpaqueCallbackData?: string;
}): Record<string, unknown> {
  return {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: recipientOf(input.to),
    ...(input.replyToMessageId ? { context: { message_id: input.replyToMessageId } } : {}),
    ...(input.bizOpaqueCallbackData ? { biz_opaque_callback_data: input.bizOpaqueCallbackData } : {}),
  };
}

export function textPayload(input: SendTextInput): Record<string, unknown> {
  return {
    ...envelope(input),
    type: "text",
    text: { body: input.body, ...(input.previewUrl === undefined ? {} : { preview_url: input.previewUrl }) },
  };
}

export function richPayload(input: SendRichInput): Record<string, unknown> {
  return { ...envelope(input), ...richObject(input.content) };
}

/** Blue ticks on an inbound message, and optionally the typing indicator (shown up to 25 s or until we answer). */
export function markReadPayload(input: MarkReadInput): Record<string, unknown> {
  return {
    messaging_product: "whatsapp",
    status: "read",
    message_id: input.messageId,
    ...(input.typingIndicator ? { typing_indicator: { type: "text" } } : {}),
  };
}

function bodyParameters(params: string[] | Record<string, string> | undefined): TemplateParameter[] {
  if (params === undefined) return [];
  if (Array.isArray(params)) return params.map((text) => ({ type: "text", text }));
  return Object.entries(params).map(([name, text]) => ({ type: "text", parameter_name: name, text }));
}

export function templatePayload(input: SendTemplateInput): Record<string, unknown> {
  const components: Record<string, unknown>[] = [];
  if (input.header && input.header.length > 0) components.push({ type: "header", parameters: input.header });
  const body = bodyParameters(input.params);
  if (body.length > 0) components.push({ type: "body", parameters: body });
  for (const b of input.buttons ?? []) {
    components.push({ type: "button", sub_type: b.subType, index: String(b.index), parameters: b.parameters });
  }
  return {
    ...envelope(input),
    type: "template",
    template: {
      name: input.name,
      language: { code: input.languageCode },
      ...(components.length > 0 ? { components } : {}),
    },
  };
}

/** Builds the BODY component (with the examples Meta requires for every placeholder) from body text. */
export function createTemplatePayload(input: CreateTemplateInput): Record<string, unknown> {
  const named = input.parameterFormat === "named" || (input.examples !== undefined && !Array.isArray(input.examples));
  let components = input.components;
  if (components === undefined) {
    const body: Record<string, unknown> = { type: "BODY", text: input.bodyText ?? "" };
    const ex = input.examples;
    if (Array.isArray(ex) && ex.length > 0) body.example = { body_text: [ex] };
    if (ex !== undefined && !Array.isArray(ex) && Object.keys(ex).length > 0) {
      body.example = {
        body_text_named_params: Object.entries(ex).map(([param_name, example]) => ({ param_name, example })),
      };
    }
    components = [body];
  }
  return {
    name: input.name,
    category: input.category,
    language: input.language,
    parameter_format: input.parameterFormat ?? (named ? "named" : "positional"),
    components,
  };
}
