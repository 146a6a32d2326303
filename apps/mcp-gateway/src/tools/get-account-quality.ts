import type { NumberAccount } from "@wa/accounts";
import { isRefusal } from "@wa/contract";
import { sendingPause } from "@wa/messaging";
import { z } from "zod";
import type { ToolDeps } from "../deps.js";
import { defineTool } from "./define-tool.js";
import { fromNumber, fromOut, fromShape, resolveFrom } from "./from-number.js";
import { metaRefusal } from "./shapes.js";

const MPS_BY_LEVEL: Record<string, number> = { STANDARD: 80, HIGH: 1000, COEXISTENCE: 20 };

export const getAccountQuality = defineTool({
  name: "get_account_quality",
  title: "Business number quality and limits",
  description:
    "Asks Meta live for a business phone number's quality rating (GREEN/YELLOW/RED), messaging-limit tier (unique users per 24 h outside a window) and throughput. Check it before large sends: a RED rating or a low tier means sending less. sending_paused (reason_code SENDING_PAUSED) says when an account-level error (invalid token 190, restricted/locked account 368/131031, disabled number) has stopped sending: queued messages wait and nothing fails until it resumes. With several numbers, name one with from: each is asked with its own WhatsApp Business Account's token. business.messaging_limit_tier is the portfolio's tier, shared by all its numbers.",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  input: {
    phone_number_id: z
      .string()
      .regex(/^\d{1,30}$/, "expected the numeric phone number id")
      .optional()
      .describe("Same as from, by phone_number_id only (kept for older agents)."),
    from: fromNumber.optional(),
  },
  output: {
    phone_number_id: z.string(),
    display_phone_number: z.string().nullable(),
    quality_rating: z.string().nullable(),
    messaging_limit_tier: z.string().nullable(),
    throughput: z.object({ level: z.string().nullable(), messages_per_second: z.number().nullable() }),
    waba_id: z.string(),
    name: z.string().nullable().describe("verified business name"),
    from: fromShape,
    business: z
      .object({ business_id: z.string(), messaging_limit_tier: z.string().nullable() })
      .describe("the business portfolio: its messaging-limit tier is shared by all its numbers (null: not known yet)"),
    source: z.enum(["meta"]).describe("meta: asked live, with the token of the number's WABA"),
    sending_paused: z
      .object({
        reason_code: z.string(),
        error_code: z.number().nullable(),
        human_explanation: z.string(),
        paused_at: z.string(),
      })
      .nullable()
      .describe(
        "null while the number sends; else why its sending is stopped (resumes by itself when a probe to Meta succeeds, or by an operator)",
      ),
  },
  run: async (input, deps) => {
    const from = await resolveFrom(input.from ?? input.phone_number_id, deps);
    if (isRefusal(from)) return from;
    const phoneNumberId = from.phoneNumberId;
    const pause = await sendingPause(deps.db, phoneNumberId).catch(() => null);
    const business = await businessOf(deps, from);
    const paused = pause
      ? {
          reason_code: pause.reason_code,
          error_code: pause.error_code,
          human_explanation: pause.human_explanation,
          paused_at: pause.paused_at,
        }
      : null;
    // A token sees only its own WABA's numbers: each number is asked with its WABA's client.
    const r = await deps.graph.of(from).meta.getPhoneNumber({ phoneNumberId });
    if (!r.ok) {
      const refusal = metaRefusal(r.error, `Meta did not return phone number ${phoneNumberId}`);
      return pause ? { ...refusal, details: { ...refusal.details, sending_paused: pause } } : refusal;
    }
    const p = r.value;
    return {
      phone_number_id: p.id,
      display_phone_number: p.displayPhoneNumber,
      quality_rating: p.qualityRating,
      messaging_limit_tier: p.messagingLimitTier,
      throughput: {
        level: p.throughputLevel,
        messages_per_second: p.throughputLevel ? (MPS_BY_LEVEL[p.throughputLevel] ?? null) : null,
      },
      waba_id: from.wabaId,
      name: p.verifiedName,
      from: fromOut(from),
      business,
      source: "meta" as const,
      sending_paused: paused,
    };
  },
});

/** The business's tier (the portfolio's, shared by its numbers); Postgres down: not known. */
async function businessOf(deps: Pick<ToolDeps, "db">, n: NumberAccount) {
  const row = await deps.db
    .selectFrom("businesses")
    .select("messaging_limit_tier")
    .where("business_id", "=", n.businessId)
    .executeTakeFirst()
    .catch(() => undefined);
  return { business_id: n.businessId, messaging_limit_tier: row?.messaging_limit_tier ?? null };
}
