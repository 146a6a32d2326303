import { fail, notEvaluable, pass, type Rule, skip } from "./context.js";

/** The built-in policy's id, as POLICY_RESTRICTION's policy_id and campaigns' skip reason name it. */
export const US_MARKETING_PAUSE_POLICY = "meta_us_marketing_pause";
const RULE = `policy:${US_MARKETING_PAUSE_POLICY}`;

/**
 * Rule 7, built in: Meta stopped delivering marketing templates to US numbers (+1 with a US area code) on
 * 2025-04-01 (meta-api.md fact 9). Canada and the Caribbean share +1 but not the pause: the recipient's
 * country comes from the area code (@wa/meta countryOf). Switched off by META_US_MARKETING_PAUSE=false.
 */
export const usMarketingPauseRule: Rule = (ctx) => {
  const blocked = notEvaluable(ctx, RULE);
  if (blocked) return blocked;
  if (ctx.category !== "marketing") return skip(RULE, "not applicable: Meta's US pause covers marketing only");
  if (!ctx.options.usMarketingPause) return skip(RULE, "switched off (META_US_MARKETING_PAUSE=false)");
  const country = ctx.recipient.ok ? ctx.recipient.country : null;
  if (country !== "US") return pass(RULE, `recipient is not a US number (country ${country ?? "unknown"})`);
  return fail(RULE, "recipient is a US number (+1 with a US area code)", {
    reason_code: "POLICY_RESTRICTION",
    human_explanation:
      "Meta has not delivered marketing templates to US phone numbers since 2025-04-01, so this message would fail at Meta (error 131049) and hurt the number's quality.",
    suggested_action:
      "Do not send marketing to US numbers; use a utility template (send_template) if the message is transactional. An operator sets META_US_MARKETING_PAUSE=false once Meta lifts the pause.",
    policy_id: US_MARKETING_PAUSE_POLICY,
  });
};
