import { z } from "zod";
import type { CreatedTemplate, PhoneNumberInfo, SendResult, TemplateInfo, TemplatePage, WabaInfo } from "./types.js";

// Response schemas are loose: Meta adds fields over time, and unknown fields must not fail a call.
const id = z.union([z.string().min(1), z.number()]).transform(String);
const optText = z
  .unknown()
  .optional()
  .transform((v): string | null => (typeof v === "string" && v.length > 0 ? v : null));

/** Validates with `shape`, then maps with access to the untouched input (kept as `raw`). */
function withRaw<S extends z.ZodType, T>(
  shape: S,
  map: (v: z.output<S>, raw: Record<string, unknown>) => T,
): z.ZodType<T> {
  return z.unknown().transform((input, ctx) => {
    const r = shape.safeParse(input);
    if (r.success) return map(r.data, input as Record<string, unknown>);
    for (const issue of r.error.issues)
      ctx.issues.push({ code: "custom", message: issue.message, path: issue.path, input });
    return z.NEVER;
  });
}

/** Meta returns quality_score as a string in some versions and as `{ score, date }` in others. */
const qualityScore = z
  .unknown()
  .optional()
  .transform((v): string | null => {
    if (typeof v === "string") return v;
    if (typeof v === "object" && v !== null && typeof (v as { score?: unknown }).score === "string") {
      return (v as { score: string }).score;
    }
    return null;
  });

export const sendResultSchema: z.ZodType<SendResult> = z
  .looseObject({
    contacts: z.array(z.looseObject({ input: optText, wa_id: optText, user_id: optText })).optional(),
    messages: z.array(z.looseObject({ id: z.string().min(1), message_status: optText })).min(1),
  })
  .transform((b) => {
    const contact = b.contacts?.[0];
    const message = b.messages[0]!; // min(1) above
    return {
      wamid: message.id,
      input: contact?.input ?? null,
      waId: contact?.wa_id ?? null,
      userId: contact?.user_id ?? null,
      messageStatus: message.message_status,
    };
  });

const templateShape = z.looseObject({
  id,
  name: z.string(),
  language: z.string(),
  status: z.string(),
  category: z.string(),
  components: z.array(z.unknown()).default([]),
  parameter_format: optText,
  quality_score: qualityScore,
  rejected_reason: optText,
  previous_category: optText,
});

function toTemplate(t: z.output<typeof templateShape>, raw: Record<string, unknown>): TemplateInfo {
  return {
    id: t.id,
    name: t.name,
    language: t.language,
    status: t.status,
    category: t.category,
    components: t.components,
    parameterFormat: t.parameter_format,
    qualityScore: t.quality_score,
    rejectedReason: t.rejected_reason,
    previousCategory: t.previous_category,
    raw,
  };
}

export const templateSchema: z.ZodType<TemplateInfo> = withRaw(templateShape, toTemplate);

const pageShape = z.looseObject({
  data: z.array(templateShape),
  paging: z.looseObject({ cursors: z.looseObject({ after: optText }).optional(), next: optText }).optional(),
});

export const templatePageSchema: z.ZodType<TemplatePage> = withRaw(pageShape, (b, raw) => {
  const rawItems = raw.data as Record<string, unknown>[];
  return {
    data: b.data.map((t, i) => toTemplate(t, rawItems[i] ?? {})),
    // Graph keeps an `after` cursor on the last page too; only `next` says another page exists.
    after: b.paging?.next ? (b.paging.cursors?.after ?? null) : null,
  };
});

export const createdTemplateSchema: z.ZodType<CreatedTemplate> = z
  .looseObject({ id, status: z.string().default("PENDING"), category: optText })
  .transform((b) => ({ id: b.id, status: b.status, category: b.category }));

export const phoneNumberSchema: z.ZodType<PhoneNumberInfo> = withRaw(
  z.looseObject({
    id,
    verified_name: optText,
    display_phone_number: optText,
    quality_rating: optText,
    throughput: z.looseObject({ level: optText }).optional(),
    whatsapp_business_manager_messaging_limit: optText,
    platform_type: optText,
    name_status: optText,
    status: optText,
  }),
  (b, raw) => ({
    id: b.id,
    verifiedName: b.verified_name,
    displayPhoneNumber: b.display_phone_number,
    qualityRating: b.quality_rating,
    throughputLevel: b.throughput?.level ?? null,
    messagingLimitTier: b.whatsapp_business_manager_messaging_limit,
    platformType: b.platform_type,
    nameStatus: b.name_status,
    status: b.status,
    raw,
  }),
);

export const wabaSchema: z.ZodType<WabaInfo> = withRaw(
  z.looseObject({
    id,
    name: optText,
    timezone_id: z.union([z.string(), z.number()]).optional(),
    currency: optText,
    message_template_namespace: optText,
    status: optText,
    business_verification_status: optText,
    country: optText,
  }),
  (b, raw) => ({
    id: b.id,
    name: b.name,
    timezoneId: b.timezone_id === undefined ? null : String(b.timezone_id),
    currency: b.currency,
    messageTemplateNamespace: b.message_template_namespace,
    status: b.status,
    businessVerificationStatus: b.business_verification_status,
    country: b.country,
    raw,
  }),
);

/** `{ "success": true }`: mark-as-read and other acknowledgements. */
export const successSchema = z.looseObject({ success: z.boolean() }).transform((b) => ({ success: b.success }));
