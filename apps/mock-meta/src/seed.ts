export type TemplateCategory = "MARKETING" | "UTILITY" | "AUTHENTICATION";
export type TemplateStatus =
  | "APPROVED"
  | "PENDING"
  | "REJECTED"
  | "PAUSED"
  | "DISABLED"
  | "IN_APPEAL"
  | "FLAGGED"
  | "REINSTATED"
  | "PENDING_DELETION"
  | "DELETED"
  | "ARCHIVED"
  | "UNARCHIVED"
  | "LIMIT_EXCEEDED"
  | "LOCKED";

export interface TemplateComponent {
  readonly type: string; // HEADER | BODY | FOOTER | BUTTONS
  readonly format?: string; // header: TEXT | IMAGE | VIDEO | DOCUMENT | LOCATION
  readonly text?: string;
  readonly buttons?: readonly Record<string, unknown>[];
  readonly example?: Record<string, unknown>;
}

export interface TemplateSeed {
  readonly id: string;
  readonly name: string;
  readonly language: string;
  readonly category: TemplateCategory;
  readonly status: TemplateStatus;
  readonly parameter_format: "POSITIONAL" | "NAMED";
  readonly components: readonly TemplateComponent[];
  readonly rejected_reason?: string;
}

export const DEFAULT_PHONE_NUMBER_ID = "100000000000001";
export const DEFAULT_WABA_ID = "200000000000001";
export const DEFAULT_DISPLAY_PHONE_NUMBER = "15550000000";
export const DEFAULT_VERIFIED_NAME = "Mock Business";

const body = (text: string): TemplateComponent => ({ type: "BODY", text });

/** Templates every fresh mock starts with; packages/db's seed mirrors this list. */
export const SEED_TEMPLATES: readonly TemplateSeed[] = [
  {
    id: "900000000000001",
    name: "order_update",
    language: "en",
    category: "UTILITY",
    status: "APPROVED",
    parameter_format: "POSITIONAL",
    components: [body("Hi {{1}}, your order {{2}} has shipped."), { type: "FOOTER", text: "Mock Business" }],
  },
  {
    id: "900000000000002",
    name: "order_update",
    language: "es",
    category: "UTILITY",
    status: "APPROVED",
    parameter_format: "POSITIONAL",
    components: [body("Hola {{1}}, tu pedido {{2}} ha sido enviado.")],
  },
  {
    id: "900000000000003",
    name: "welcome_offer",
    language: "en",
    category: "MARKETING",
    status: "APPROVED",
    parameter_format: "POSITIONAL",
    components: [
      { type: "HEADER", format: "TEXT", text: "Welcome!" },
      body("Hi {{1}}, enjoy 10% off your first order."),
      { type: "BUTTONS", buttons: [{ type: "QUICK_REPLY", text: "Stop promotions" }] },
    ],
  },
  {
    id: "900000000000004",
    name: "otp_code",
    language: "en",
    category: "AUTHENTICATION",
    status: "APPROVED",
    parameter_format: "POSITIONAL",
    components: [body("{{1}} is your verification code. For your security, do not share this code.")],
  },
  {
    id: "900000000000005",
    name: "shipping_named",
    language: "en",
    category: "UTILITY",
    status: "APPROVED",
    parameter_format: "NAMED",
    components: [body("Hello {{first_name}}, order {{order_id}} is on its way.")],
  },
  {
    id: "900000000000006",
    name: "new_arrivals",
    language: "en",
    category: "MARKETING",
    status: "PENDING",
    parameter_format: "POSITIONAL",
    components: [body("New arrivals are in, {{1}}! Take a look.")],
  },
  {
    id: "900000000000007",
    name: "flash_sale",
    language: "en",
    category: "MARKETING",
    status: "PAUSED",
    parameter_format: "POSITIONAL",
    components: [body("Flash sale: {{1}} off today only.")],
  },
];
