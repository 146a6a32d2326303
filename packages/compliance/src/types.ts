import type { ReasonCode } from "@wa/contract";
import type { Policy } from "./policy-schema.js";
import type { ButtonPart, HeaderPart, TemplateParts, TemplateShape } from "./template-parts.js";

export type MessageCategory = "marketing" | "utility" | "authentication" | "service";
export type MessageType = MessageCategory | "template"; // "template": take the template's category
export type ConsentMode = "explicit" | "implicit";
type ConsentStatus = "granted" | "revoked" | "unknown";
export type Variables = readonly string[] | Readonly<Record<string, string>>;

/** What a caller asks (snake_case: the check_compliance / send_template wire shape). */
export interface DecisionRequest {
  readonly customer_id: string; // raw: "+62 811-998…" is normalized here
  readonly message_type: MessageType;
  readonly template_name?: string;
  readonly locale?: string; // default "en"
  readonly variables?: Variables; // omitted: not checked (check_compliance); send paths pass [] for none
  readonly header?: HeaderPart; // checked with the variables against the stored header
  readonly buttons?: readonly ButtonPart[]; // per-index button parameters
  readonly channel?: string; // the business's channel (accounts): default "whatsapp", the default business
  readonly phone_number_id?: string; // the business number sending: the 24 h window is with it (default: the default number), the templates its WABA's
  readonly link_hosts?: readonly string[]; // hosts of the message's https links (media, headers, cta_url)
}

export type DenialCode = Extract<
  ReasonCode,
  | "INVALID_ARGUMENT"
  | "INVALID_PHONE_NUMBER"
  | "USER_OPTED_OUT"
  | "NO_OPT_IN"
  | "TEMPLATE_REQUIRED"
  | "TEMPLATE_NOT_FOUND"
  | "TEMPLATE_NOT_APPROVED"
  | "TEMPLATE_VARIABLES_MISMATCH"
  | "FREQUENCY_CAP_EXCEEDED"
  | "MARKETING_LIMITED"
  | "POLICY_RESTRICTION"
>;

export interface Check {
  readonly rule: string;
  readonly passed: boolean; // false only for the rule(s) that deny; "not applicable/evaluated" pass
  readonly detail: string;
}

interface DecisionBase {
  readonly human_explanation: string;
  readonly suggested_action: string;
  readonly checks: readonly Check[];
  /** A template send whose parts fit: header and buttons as they go to Meta (OTP code as sub_type url). */
  readonly template_parts?: TemplateParts;
}

/** Every rule passed: the category and the recipient are known. */
interface Allowed extends DecisionBase {
  readonly allowed: true;
  readonly category: MessageCategory; // resolved (a template's own category)
  readonly customer_id: string; // normalized
}

/** The first rule that failed (compliance.md's order) says why. */
export interface Denied extends DecisionBase {
  readonly allowed: false;
  readonly reason_code: DenialCode;
  readonly category: MessageCategory | null; // null if unknown (template not found)
  readonly customer_id: string | null; // normalized; null when the number is invalid
  readonly resets_at?: string; // FREQUENCY_CAP_EXCEEDED, MARKETING_LIMITED: when sending may resume (RFC 3339)
  readonly opens_at?: string; // quiet hours: when sending reopens (RFC 3339)
  readonly policy_id?: string; // POLICY_RESTRICTION: the policy that denied
  readonly template_status?: string; // TEMPLATE_NOT_APPROVED: Meta's status (PAUSED, DISABLED, PENDING…)
}

/** The answer of compliance.md, plus what callers need to act on it; narrow on `allowed`. */
export type Decision = Allowed | Denied;

export interface ConsentFact {
  readonly status: ConsentStatus;
  readonly source: string | null;
  readonly at: number | null; // epoch ms
}

export interface CustomerFacts {
  readonly consent: { readonly marketing: ConsentFact; readonly utility: ConsentFact };
  readonly tags: readonly string[];
  readonly timezone: string | null;
  readonly marketingLimitedUntil?: number | null; // epoch ms; Meta's per-user marketing limit (131049)
}

export interface TemplateFacts {
  readonly name: string;
  readonly locale: string;
  readonly category: string; // as stored or as Meta sends it: any case
  readonly status: string; // APPROVED, PENDING, REJECTED, PAUSED, DISABLED… any case
  readonly parameterFormat: "positional" | "named";
  readonly parameterCount: number;
  readonly parameterNames: readonly string[];
  readonly rejectionReason: string | null;
  readonly quality: string | null; // Meta's GREEN/YELLOW/RED; named when a paused template is refused
  readonly shape?: TemplateShape; // header and buttons; absent: a body-only template
}

export type TemplateLookup =
  | { readonly found: true; readonly template: TemplateFacts }
  | {
      readonly found: false;
      readonly locales: readonly string[]; // the locales that do exist (in the WABA asked about)
      readonly wabaId?: string; // the WABA asked about: the sending number's
      readonly elsewhere?: readonly string[]; // other WABAs that have this name and locale
    };

/** Everything the pure rules read; the shell gathers it (one Redis round trip when warm). */
export interface Facts {
  readonly now: number; // epoch ms
  readonly customer: CustomerFacts | null; // null: not a customer yet
  readonly window: { readonly lastInboundAt: number | null; readonly expiresAt: number | null };
  readonly sentAt: readonly number[]; // marketing slots held in the rolling 24 h (epoch ms)
  readonly template?: TemplateLookup; // absent: no template requested
  readonly policies: readonly Policy[];
}

export interface DecideOptions {
  readonly consentMode: ConsentMode;
  readonly defaultCap: number; // marketing per rolling 24 h unless a frequency_limit policy says otherwise
  readonly defaultTimezone: string; // IANA; quiet hours when neither recipient nor policy give a zone
  readonly usMarketingPause: boolean; // META_US_MARKETING_PAUSE: Meta delivers no marketing to US numbers
}
