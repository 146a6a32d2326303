import { z } from "zod";

const upper = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === "string" ? v.toUpperCase() : v), schema);

const categorySchema = upper(z.enum(["MARKETING", "UTILITY", "AUTHENTICATION"]));
const statusSchema = upper(
  z.enum([
    "APPROVED",
    "PENDING",
    "REJECTED",
    "PAUSED",
    "DISABLED",
    "IN_APPEAL",
    "FLAGGED",
    "REINSTATED",
    "PENDING_DELETION",
    "DELETED",
    "ARCHIVED",
    "UNARCHIVED",
    "LIMIT_EXCEEDED",
    "LOCKED",
  ]),
);
const formatSchema = upper(z.enum(["POSITIONAL", "NAMED"]));

const componentSchema = z
  .object({
    type: z.string().min(1),
    format: z.string().optional(),
    text: z.string().optional(),
    buttons: z.array(z.record(z.string(), z.unknown())).optional(),
    example: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

const hasBody = (cs: readonly { type: string }[]): boolean => cs.some((c) => c.type.toUpperCase() === "BODY");

/** Body of POST /{waba_id}/message_templates (plus the mock-only `mock_review` switches). */
export const createTemplateSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9_]{1,512}$/, "name must be lowercase letters, digits and underscores"),
    category: categorySchema,
    language: z.string().min(1),
    parameter_format: formatSchema.default("POSITIONAL"),
    components: z.array(componentSchema).refine(hasBody, "components must contain a BODY component"),
    mock_review: z.enum(["APPROVED", "REJECTED", "PENDING"]).optional(),
    mock_rejection_reason: z.string().optional(),
  })
  .loose();

/** One template for PUT/POST /_mock/templates: a full seed, or `{name, language?, status, reason?}` to change one. */
export const controlTemplateSchema = z.object({
  id: z
    .string()
    .regex(/^\d{1,15}$/)
    .optional(),
  name: z.string().min(1).optional(),
  language: z.string().min(1).optional(),
  category: categorySchema.optional(),
  status: statusSchema.optional(),
  parameter_format: formatSchema.optional(),
  components: z.array(componentSchema).refine(hasBody, "components must contain a BODY component").optional(),
  reason: z.string().optional(),
  quality: upper(z.enum(["GREEN", "YELLOW", "RED", "UNKNOWN"])).optional(),
  emit_webhook: z.boolean().default(true),
});

export type ControlTemplate = z.infer<typeof controlTemplateSchema>;

export function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
}
