import { fail, iso, notEvaluable, pass, RULE_NAMES, type Rule, skip } from "./context.js";

/**
 * Rule 6b: Meta refused marketing to this customer with 131049 (per-user marketing limit) less than 24 h ago.
 * Meta says retries inside that time extend its block, so nothing marketing goes until it ends.
 */
export const marketingLimitRule: Rule = (ctx) => {
  const rule = RULE_NAMES.marketingLimit;
  const blocked = notEvaluable(ctx, rule);
  if (blocked) return blocked;
  if (ctx.category !== "marketing") return skip(rule, "not applicable: Meta's per-user limit counts marketing only");
  const until = ctx.facts.customer?.marketingLimitedUntil ?? null;
  if (until === null || until <= ctx.facts.now)
    return pass(rule, "Meta has not limited marketing to this customer in the last 24 h");
  const at = iso(until);
  return fail(rule, `Meta answered 131049 (per-user marketing limit); limited until ${at}`, {
    reason_code: "MARKETING_LIMITED",
    human_explanation: `Meta recently refused a marketing message to this customer (error 131049, per-user marketing limit), so no marketing goes to them until ${at}; sending earlier would extend Meta's block.`,
    suggested_action: `Schedule it with schedule_message for ${at} or later, or send a utility template if the message is transactional.`,
    resets_at: at,
  });
};
