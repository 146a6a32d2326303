import type { Random } from "./prng.js";
import { randomToken } from "./prng.js";

interface CatalogEntry {
  readonly http: number;
  readonly title: string;
  readonly details: string;
  readonly subcode?: number;
}

const THROTTLING = new Set([4, 80007, 130429, 131048, 131056]);

/** Codes the mock can produce, with Meta's titles and HTTP statuses (meta-api.md §9). */
const ERROR_CATALOG: Readonly<Record<number, CatalogEntry>> = {
  1: { http: 400, title: "An unknown error occurred", details: "Invalid request or possible server error." },
  2: { http: 503, title: "Service temporarily unavailable", details: "Service temporarily unavailable." },
  4: { http: 400, title: "Application request limit reached", details: "The app has reached its API call rate limit." },
  10: { http: 403, title: "Permission denied", details: "Permission is not granted or has been removed." },
  100: { http: 400, title: "Invalid parameter", details: "Invalid parameter." },
  190: { http: 401, title: "Invalid OAuth access token - Cannot parse access token", details: "" },
  368: {
    http: 403,
    title: "Temporarily blocked for policies violations",
    details: "Temporarily blocked for policies violations.",
  },
  2500: { http: 400, title: "Unknown path components", details: "Unknown path components." },
  80007: {
    http: 400,
    title: "Rate limit issues",
    details: "The WhatsApp Business Account has reached its rate limit.",
  },
  130429: {
    http: 400,
    title: "Rate limit hit",
    details: "Cloud API message throughput has been reached.",
    subcode: 2494055,
  },
  130472: {
    http: 400,
    title: "User's number is part of an experiment",
    details: "Failed to send message because this user's phone number is part of an experiment.",
  },
  131000: { http: 500, title: "Something went wrong", details: "Message failed to send due to an unknown error." },
  131005: { http: 403, title: "Access denied", details: "Permission is either not granted or has been removed." },
  131008: {
    http: 400,
    title: "Required parameter is missing",
    details: "The request is missing a required parameter.",
  },
  131009: { http: 400, title: "Parameter value is not valid", details: "One or more parameter values are invalid." },
  131016: { http: 500, title: "Service unavailable", details: "A service is temporarily unavailable." },
  131021: { http: 400, title: "Recipient cannot be sender", details: "Sender and recipient phone number is the same." },
  131026: { http: 400, title: "Message undeliverable", details: "Unable to deliver message." },
  131031: { http: 403, title: "Account has been locked", details: "The business account was restricted or disabled." },
  131042: {
    http: 400,
    title: "Business eligibility payment issue",
    details: "There was an error related to your payment method.",
  },
  131047: {
    http: 400,
    title: "Re-engagement message",
    details:
      "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
  },
  131048: {
    http: 400,
    title: "Spam rate limit hit",
    details:
      "Message failed to send because there are restrictions on how many messages can be sent from this phone number.",
  },
  131049: {
    http: 400,
    title: "This message was not delivered to maintain healthy ecosystem engagement.",
    details: "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
  },
  131050: {
    http: 400,
    title:
      "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.",
    details: "The user has stopped marketing messages from this business.",
  },
  131051: { http: 400, title: "Unsupported message type", details: "Unsupported message type." },
  131052: { http: 400, title: "Media download error", details: "Unable to download the media sent by the user." },
  131053: { http: 400, title: "Media upload error", details: "Unable to upload the media used in the message." },
  131056: {
    http: 400,
    title: "(Business Account, Consumer Account) pair rate limit hit",
    details:
      "Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.",
  },
  131057: { http: 500, title: "Account in maintenance mode", details: "Business Account is in maintenance mode." },
  131062: {
    http: 400,
    title: "Business-scoped user ID recipients not supported",
    details: "Authentication templates cannot be sent to a business-scoped user ID.",
  },
  132000: {
    http: 400,
    title: "Number of parameters does not match the expected number of params",
    details:
      "The number of variable parameter values included in the request did not match the number of variable parameters defined in the template.",
  },
  132001: {
    http: 404,
    title: "Template name does not exist in the translation",
    details: "The template does not exist in the specified language or the template has not been approved.",
  },
  132005: { http: 400, title: "Translated text too long", details: "Translated text is too long." },
  132007: {
    http: 400,
    title: "Template Format Character Policy Violated",
    details: "Template content violates a WhatsApp policy.",
  },
  132012: {
    http: 400,
    title: "Parameter format does not match format in the created template",
    details: "Variable parameter values formatted incorrectly.",
  },
  132015: {
    http: 400,
    title: "Template is Paused",
    details: "Template is paused due to low quality so it cannot be sent in a template message.",
  },
  132016: {
    http: 400,
    title: "Template is Disabled",
    details: "Template has been paused too many times due to low quality and is now permanently disabled.",
  },
  133004: { http: 503, title: "Server temporarily unavailable", details: "Server is temporarily unavailable." },
  133010: {
    http: 400,
    title: "Phone number Not Registered",
    details: "The phone number is not registered on the WhatsApp Business Platform.",
  },
};

function catalogEntry(code: number): CatalogEntry {
  return ERROR_CATALOG[code] ?? { http: 400, title: "Unknown error", details: `Mock-forced error ${code}.` };
}

interface GraphErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_subcode?: number;
    error_data?: { messaging_product: "whatsapp"; details: string };
    fbtrace_id: string;
  };
}

export interface GraphError {
  readonly status: number;
  readonly body: GraphErrorBody;
}

export interface GraphErrorInput {
  code: number;
  details?: string;
  message?: string;
  subcode?: number;
  type?: string;
}

/** Builds Meta's Graph error envelope; `throttleStatus` picks 400 or 429 for throttling codes (meta-api.md §11). */
export function graphError(input: GraphErrorInput, random: Random, throttleStatus: number): GraphError {
  const entry = catalogEntry(input.code);
  const subcode = input.subcode ?? entry.subcode;
  const body: GraphErrorBody = {
    error: {
      message: input.message ?? `(#${input.code}) ${entry.title}`,
      type: input.type ?? "OAuthException",
      code: input.code,
      ...(subcode === undefined ? {} : { error_subcode: subcode }),
      ...(input.code === 190
        ? {}
        : { error_data: { messaging_product: "whatsapp", details: input.details ?? entry.details } }),
      fbtrace_id: randomToken(random, 23),
    },
  };
  return { status: THROTTLING.has(input.code) ? throttleStatus : entry.http, body };
}

/** Webhook error objects carry code/title/message/error_data/href, no type or fbtrace_id (meta-api.md §2.3). */
export function webhookError(code: number): Record<string, unknown> {
  const entry = catalogEntry(code);
  return {
    code,
    title: entry.title,
    message: entry.title,
    error_data: { details: entry.details },
    href: "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
  };
}
