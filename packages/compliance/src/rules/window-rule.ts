import { WINDOW_MS } from "@wa/config";
import type { Facts } from "../types.js";
import { fail, iso, notEvaluable, pass, RULE_NAMES, type Rule, skip } from "./context.js";

/** The window facts from the customer's last inbound message alone (epoch ms; null: never wrote). */
export function windowOf(lastInboundAt: number | null): Facts["window"] {
  return { lastInboundAt, expiresAt: lastInboundAt === null ? null : lastInboundAt + WINDOW_MS };
}

/** Rule 4: free-form (service) messages only while now < last inbound message time + 24 h. */
export const windowRule: Rule = (ctx) => {
  const rule = RULE_NAMES.window;
  const blocked = notEvaluable(ctx, rule);
  if (blocked) return blocked;
  if (ctx.category !== "service") return skip(rule, "not applicable: templates may be sent outside the window");
  const { expiresAt, lastInboundAt } = ctx.facts.window;
  if (expiresAt !== null && ctx.facts.now < expiresAt) {
    const mins = Math.floor((expiresAt - ctx.facts.now) / 60_000);
    return pass(rule, `window open until ${iso(expiresAt)} (${mins} min left)`);
  }
  const last =
    lastInboundAt === null ? "the customer has never written" : `the customer last wrote at ${iso(lastInboundAt)}`;
  return fail(rule, `window closed: ${last}`, {
    reason_code: "TEMPLATE_REQUIRED",
    human_explanation: `The 24-hour customer service window is closed (${last}), so a free-form message cannot be sent.`,
    suggested_action:
      "Send an approved template with send_template (see list_templates), or wait until the customer writes again; check_conversation shows the window.",
  });
};
