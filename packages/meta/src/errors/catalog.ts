import type { CatalogEntry, ErrorCategory, RetryStrategy } from "./types.js";

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;

const DEFAULTS: Record<ErrorCategory, { canRetry: boolean; retry: RetryStrategy; action: string }> = {
  transient: {
    canRetry: true,
    retry: { kind: "backoff", delays_ms: [1 * S, 5 * S] },
    action:
      "Nothing to do now: the delivery worker retries automatically. If it keeps failing, use retry_failed_messages later.",
  },
  rate_limit_number: {
    canRetry: true,
    retry: { kind: "backoff", delays_ms: [1 * S, 2 * S, 4 * S, 8 * S, 16 * S, 30 * S] },
    action: "The gateway slows this number down and resends automatically; get_rate_limit shows the remaining budget.",
  },
  rate_limit_pair: {
    // Meta's advice for 131056: retry after 4^X seconds.
    canRetry: true,
    retry: { kind: "backoff", delays_ms: [1 * S, 4 * S, 16 * S, 64 * S, 256 * S] },
    action:
      "Space messages to this customer (about one per 6 s); the gateway waits and resends automatically. get_rate_limit shows pair_limit_secs.",
  },
  rate_limit_waba: {
    canRetry: true,
    retry: { kind: "backoff", delays_ms: [1 * MIN, 5 * MIN, 15 * MIN] },
    action:
      "Make fewer management calls (sync_template_status, list_templates, get_account_quality); they succeed again once the hourly budget refills.",
  },
  template_required: {
    canRetry: false,
    retry: { kind: "none" },
    action:
      "Use check_conversation to see the window, then send an approved template with send_template instead of free text.",
  },
  wait_24h: {
    canRetry: true,
    retry: { kind: "after", after_ms: 24 * HOUR },
    action:
      "Do not resend to this customer for at least 24 hours (check_frequency_cap shows recent marketing sends); then retry_failed_messages.",
  },
  opted_out: {
    canRetry: false,
    retry: { kind: "none" },
    action: "Stop marketing to this customer and record it with update_consent (marketing: revoked).",
  },
  user_action: {
    canRetry: false,
    retry: { kind: "none" },
    action:
      "Do not resend automatically; the customer has to act first (get_customer_context shows what we know about them).",
  },
  account: {
    canRetry: true,
    retry: { kind: "none" },
    action:
      "Check get_account_quality and Meta Business Manager, pause running campaigns (pause_campaign), and retry_failed_messages once fixed.",
  },
  auth: {
    canRetry: true,
    retry: { kind: "none" },
    action:
      "Replace META_ACCESS_TOKEN with a valid system-user token that has whatsapp_business_messaging and whatsapp_business_management, then retry_failed_messages.",
  },
  permanent: {
    canRetry: false,
    retry: { kind: "none" },
    action:
      "Fix the request (number, template, parameters or media) and send it again with send_message or send_template; resending it unchanged fails the same way.",
  },
};

type Extra = { action?: string; canRetry?: boolean; retry?: RetryStrategy };

function e(code: number, category: ErrorCategory, title: string, explanation: string, extra: Extra = {}): CatalogEntry {
  const d = DEFAULTS[category];
  return {
    code,
    category,
    title,
    explanation,
    action: extra.action ?? d.action,
    canRetry: extra.canRetry ?? d.canRetry,
    retry: extra.retry ?? d.retry,
  };
}

const SYNC =
  "Run sync_template_status for this template and language, then send again with send_template once it is APPROVED.";

/** meta-api.md §9, one row per code (200–299 is a range, see permissionRangeEntry). */
const CATALOG: readonly CatalogEntry[] = [
  e(
    0,
    "auth",
    "Authentication failed",
    "Meta could not authenticate the app user: the access token expired or was invalidated.",
  ),
  e(
    1,
    "transient",
    "Unknown request error",
    "Meta reported an unknown error: an invalid request or a possible server error. The request may have landed, so retries are few.",
    { retry: { kind: "backoff", delays_ms: [2 * S, 10 * S] } },
  ),
  e(2, "transient", "Service unavailable", "Meta's service is down or overloaded right now."),
  e(3, "auth", "Capability missing", "The app lacks the capability or permission for this API method."),
  e(4, "rate_limit_waba", "App rate limit", "The app hit its Graph API call rate limit."),
  e(10, "auth", "Permission denied", "A required permission was not granted or was revoked."),
  e(33, "account", "Business number deleted", "The business phone number in the request has been deleted.", {
    canRetry: false,
    action: "Configure a registered business number (META_PHONE_NUMBER_ID) and check get_account_quality.",
  }),
  e(
    100,
    "permanent",
    "Invalid parameter",
    "A parameter is invalid or unsupported (with subcode 33: the object does not exist or the token cannot see it).",
  ),
  e(190, "auth", "Access token expired", "The access token has expired or is invalid."),
  e(
    368,
    "account",
    "Temporarily blocked for policy violations",
    "The WhatsApp Business Account is temporarily blocked for policy violations.",
  ),
  e(
    470,
    "template_required",
    "Outside the 24-hour window",
    "Legacy code: more than 24 hours have passed since the customer last wrote, so only a template can be sent.",
  ),
  e(
    80007,
    "rate_limit_waba",
    "WABA rate limit",
    "The WhatsApp Business Account reached its rate limit for management calls (templates, account reads).",
  ),
  e(
    130429,
    "rate_limit_number",
    "Throughput exceeded",
    "The business number sent faster than its messages-per-second limit (80 by default).",
  ),
  e(
    130472,
    "permanent",
    "User in a Meta experiment",
    "The customer's number is in Meta's marketing-message experiment hold-out group; the message was not sent and is not charged.",
    {
      action:
        "Do not resend this marketing message (it was not charged); utility templates via send_template are unaffected.",
    },
  ),
  e(
    130497,
    "account",
    "Country not allowed",
    "This business account may not message users in the recipient's country.",
    {
      canRetry: false,
      action:
        "Remove that country from the audience (schedule_campaign audience_filter.country_codes) or ask Meta about the restriction.",
    },
  ),
  e(
    131000,
    "transient",
    "Something went wrong",
    "Meta hit an unknown internal error. One retry is made; more could send duplicates.",
    { retry: { kind: "backoff", delays_ms: [5 * S] } },
  ),
  e(131005, "auth", "Access denied", "The token is not allowed to do this (permission missing or revoked)."),
  e(131008, "permanent", "Required parameter missing", "A required parameter is missing from the request."),
  e(
    131009,
    "permanent",
    "Parameter value invalid",
    "A parameter value is invalid (for example a malformed number or URL).",
  ),
  e(131016, "transient", "Service unavailable", "A Meta service is temporarily unavailable."),
  e(131021, "permanent", "Recipient is the sender", "The recipient number is the business number itself.", {
    action: "Send to a customer number with send_message or send_template, not to the business number.",
  }),
  e(
    131026,
    "user_action",
    "Message undeliverable",
    "The message could not be delivered: the number may not be on WhatsApp, the app may be outdated or the terms not accepted, an authentication template may have gone to +91, or Meta withheld it for quality.",
    {
      action:
        "Confirm the number with the customer through another channel (get_customer_context); do not resend automatically.",
    },
  ),
  e(131030, "permanent", "Recipient not allowed", "The recipient is not in the allowed list of this test number.", {
    action:
      "Add the recipient to the test number's allowed list in Meta's app dashboard (or use a production number), then retry_failed_messages.",
  }),
  e(
    131031,
    "account",
    "Account locked",
    "The business account is locked (policy violation, or a wrong two-step verification PIN).",
  ),
  e(131037, "account", "Display name not approved", "This number needs an approved display name before it can send."),
  e(131042, "account", "Payment problem", "There is a billing or payment-method problem on the business account."),
  e(131044, "account", "Payment problem (calling)", "There is a payment problem for calling on the business account."),
  e(131045, "account", "Registration error", "The number has a registration or certificate problem."),
  e(
    131047,
    "template_required",
    "Re-engagement message",
    "More than 24 hours have passed since the customer's last message, so free-form messages are not allowed.",
  ),
  e(
    131048,
    "account",
    "Spam rate limit",
    "Too many earlier messages from this number were blocked or flagged as spam, so Meta is limiting it.",
    {
      action:
        "Pause campaigns (pause_campaign), check quality with get_account_quality, and resend later with retry_failed_messages; do not retry quickly.",
    },
  ),
  e(
    131049,
    "wait_24h",
    "Not delivered for ecosystem health",
    "Meta did not deliver this message to keep engagement healthy (per-user marketing limit, or the US marketing pause). Retrying soon can block this customer for up to 24 hours.",
  ),
  e(
    131050,
    "opted_out",
    "Marketing opt-out",
    "The customer stopped marketing messages from this business in WhatsApp.",
  ),
  e(131051, "permanent", "Unsupported message type", "The message type is not supported."),
  e(131052, "user_action", "Media download failed", "The media the customer sent could not be downloaded.", {
    action: "Ask the customer to send the file again (reply_customer).",
  }),
  e(
    131053,
    "permanent",
    "Media upload failed",
    "The media you sent could not be uploaded or fetched (see details, for example an unsupported MIME type).",
  ),
  e(
    131056,
    "rate_limit_pair",
    "Pair rate limit",
    "Too many messages went from this business number to this customer in a short time (about one per 6 s is allowed).",
  ),
  e(
    131057,
    "transient",
    "Account in maintenance",
    "The business account is in maintenance, for example during a throughput upgrade (about a minute).",
    { retry: { kind: "after", after_ms: 1 * MIN } },
  ),
  e(
    131062,
    "permanent",
    "Authentication template to a BSUID",
    "Authentication templates cannot be sent to a business-scoped user id.",
    { action: "Send the code with send_template to the customer's phone number instead of the BSUID." },
  ),
  e(
    131063,
    "permanent",
    "Marketing disabled on Cloud API",
    "Marketing templates are disabled on the Cloud API for this business account.",
    {
      action:
        "Send marketing through Meta's Marketing Messages API or re-enable it for the account; utility templates via send_template still work.",
    },
  ),
  e(
    131064,
    "account",
    "Messaging limited for violations",
    "Messaging is limited because of template-category violations; templates and free-form messages are blocked until enforcement ends.",
  ),
  e(
    132000,
    "permanent",
    "Parameter count mismatch",
    "The number of template parameters does not match the template's placeholders.",
    { action: "Check the template's placeholders (list_templates) and send the right variables with send_template." },
  ),
  e(
    132001,
    "permanent",
    "Template does not exist",
    "The template does not exist in that language or is not approved.",
    { action: SYNC },
  ),
  e(132005, "permanent", "Template text too long", "The template text with its parameters filled in is too long.", {
    action: "Shorten the variables and send again with send_template.",
  }),
  e(132007, "permanent", "Template policy violation", "The template content violates WhatsApp policy."),
  e(132008, "permanent", "Parameter format wrong", "A template parameter value is formatted wrongly."),
  e(
    132012,
    "permanent",
    "Parameter format mismatch",
    "A template parameter does not match the format the template expects.",
  ),
  e(
    132015,
    "permanent",
    "Template paused",
    "The template is paused because of low quality; it can be sent again once Meta reinstates it.",
    { action: SYNC },
  ),
  e(132016, "permanent", "Template disabled", "The template has been disabled permanently for low quality.", {
    action: "Create a new template with create_template.",
  }),
  e(132068, "permanent", "Flow blocked", "The flow used by this message is blocked."),
  e(132069, "rate_limit_waba", "Flow throttled", "The flow is throttled: only 10 messages per hour use it now.", {
    retry: { kind: "after", after_ms: 1 * HOUR },
  }),
  e(133000, "account", "Deregistration incomplete", "A previous deregistration of this number did not complete."),
  e(133004, "transient", "Server unavailable", "Meta's server is temporarily unavailable."),
  e(133005, "account", "Two-step PIN mismatch", "The two-step verification PIN is wrong."),
  e(133006, "account", "Re-verification needed", "The phone number must be verified again before registration."),
  e(133008, "account", "Too many PIN guesses", "Too many two-step PIN guesses; wait as the details say."),
  e(133009, "account", "PIN guessed too fast", "Two-step PIN attempts were made too quickly."),
  e(133010, "account", "Number not registered", "The business phone number is not registered on the platform."),
  e(
    133015,
    "transient",
    "Number recently deleted",
    "The number was deleted recently; wait 5 minutes before trying again.",
    { retry: { kind: "after", after_ms: 5 * MIN } },
  ),
  e(133016, "rate_limit_waba", "Registration rate limited", "Too many register/deregister attempts for this number.", {
    retry: { kind: "after", after_ms: 1 * HOUR },
  }),
  e(135000, "permanent", "Generic user error", "Meta rejected the request parameters with a generic error."),
  e(
    137000,
    "user_action",
    "Identity key mismatch",
    "The customer's identity key changed (reinstalled or changed device), so the message was not delivered.",
    { action: "Wait for the customer to write again (check_conversation), then resend with retry_failed_messages." },
  ),
  e(2494100, "transient", "Number in maintenance", "The business number is in maintenance (migration).", {
    retry: { kind: "backoff", delays_ms: [1 * MIN, 5 * MIN] },
  }),
];

const BY_CODE = new Map(CATALOG.map((entry) => [entry.code, entry]));

export function catalogEntry(code: number): CatalogEntry | undefined {
  if (code >= 200 && code <= 299) return permissionRangeEntry(code);
  return BY_CODE.get(code);
}

function permissionRangeEntry(code: number): CatalogEntry {
  return e(
    code,
    "auth",
    "API permission missing",
    `The app is missing an API permission (Graph error ${code}, range 200–299).`,
    {
      action:
        "Grant the app the whatsapp_business_messaging and whatsapp_business_management permissions for this WABA, then retry_failed_messages.",
    },
  );
}
