import { policyApplies } from "../policy-channel.js";
import type { Policy } from "../policy-schema.js";
import { WINDOW_MS } from "@wa/config";
import { fail, iso, notEvaluable, pass, RULE_NAMES, type Rule, skip } from "./context.js";

/** The marketing cap on a business channel: the strictest enabled frequency_limit policy applying to it, else the default. */
export function marketingCap(
  policies: readonly Policy[],
  channel: string,
  defaultCap: number,
): { cap: number; from: string } {
  let best: { cap: number; from: string } = { cap: defaultCap, from: "the default cap" };
  for (const p of policies) {
    if (p.type !== "frequency_limit" || !p.enabled || !policyApplies(p.channel, channel)) continue;
    if (best.from === "the default cap" || p.rules.max_per_day < best.cap)
      best = { cap: p.rules.max_per_day, from: `policy "${p.id}"` };
  }
  return best;
}

/** Counted sends in the rolling window, and when the next slot frees (null while under the cap). */
export function capState(
  sentAt: readonly number[],
  now: number,
  cap: number,
): { count: number; resetsAt: number | null } {
  const inWindow = sentAt.filter((t) => t > now - WINDOW_MS).toSorted((a, b) => a - b);
  const count = inWindow.length;
  if (count < cap || cap === 0) return { count, resetsAt: null };
  return { count, resetsAt: inWindow[count - cap]! + WINDOW_MS };
}

/** Rule 6: fewer than the cap of marketing messages to this customer in the last rolling 24 h. */
export const frequencyRule: Rule = (ctx) => {
  const rule = RULE_NAMES.frequencyCap;
  const blocked = notEvaluable(ctx, rule);
  if (blocked) return blocked;
  if (ctx.category === "authentication") return skip(rule, "exempt: authentication codes must arrive");
  if (ctx.category !== "marketing") return skip(rule, `not applicable: only marketing messages are capped`);
  const { cap, from } = marketingCap(ctx.facts.policies, ctx.channel, ctx.options.defaultCap);
  const { count, resetsAt } = capState(ctx.facts.sentAt, ctx.facts.now, cap);
  const detail = `${count} of ${cap} marketing messages in the last 24 h (cap from ${from})`;
  if (count < cap) return pass(rule, detail);
  if (cap === 0) {
    return fail(rule, detail, {
      reason_code: "FREQUENCY_CAP_EXCEEDED",
      human_explanation: `Marketing messages are switched off by ${from} (cap 0 per 24 hours).`,
      suggested_action: "Send no marketing on this channel; ask an operator if the policy should change.",
    });
  }
  const at = iso(resetsAt!);
  return fail(rule, detail, {
    reason_code: "FREQUENCY_CAP_EXCEEDED",
    human_explanation: `This customer already got ${count} marketing message${count === 1 ? "" : "s"} in the last 24 hours (cap ${cap}); the next one can go at ${at}.`,
    suggested_action: `Schedule it with schedule_message for ${at} or later; check_frequency_cap shows the count.`,
    resets_at: at,
  });
};
