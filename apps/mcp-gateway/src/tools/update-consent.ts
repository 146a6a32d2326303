import { z } from "zod";
import { refuse, isRefusal } from "@wa/contract";
import { defineTool } from "./define-tool.js";
import { phone, readableText } from "./fields.js";
import { customerKey } from "./customer-key.js";
import { fromNumber, fromOut, fromShape, resolveFrom } from "./from-number.js";

const status = z.enum(["granted", "revoked"]);

export const updateConsent = defineTool({
  name: "update_consent",
  title: "Record a customer's consent",
  description:
    'Records that a customer granted or revoked consent for marketing and/or utility messages, with where it was collected (source, e.g. "website signup form 2026-03-01" or "customer replied STOP in chat"). Marketing needs granted consent (opt-in); revoked stops that category at once. Every change is audited with the source. Only record consent the customer actually gave.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: {
    customer_id: phone("The customer."),
    from: fromNumber
      .optional()
      .describe(
        "A business number (phone_number_id or display number): consent is given to its business and holds on all the business's numbers. Omit it for the default number.",
      ),
    marketing: status.optional().describe("New marketing consent."),
    utility: status.optional().describe("New utility consent (also governs authentication messages)."),
    source: readableText(500, "a consent source").describe(
      "Where and how the consent was collected (free text, stored in the audit log).",
    ),
  },
  output: {
    customer_id: z.string(),
    from: fromShape,
    consent: z.object({
      marketing: z.object({ status: z.string(), source: z.string().nullable(), at: z.string().nullable() }),
      utility: z.object({ status: z.string(), source: z.string().nullable(), at: z.string().nullable() }),
    }),
    changed: z
      .array(z.enum(["marketing", "utility"]))
      .describe("categories whose value changed (empty: already so, nothing written)"),
  },
  run: async (input, deps) => {
    const from = await resolveFrom(input.from, deps);
    if (isRefusal(from)) return from;
    if (input.marketing === undefined && input.utility === undefined) {
      return refuse(
        "INVALID_ARGUMENT",
        "update_consent needs marketing and/or utility.",
        'Pass e.g. {"marketing": "granted"} with the customer_id and source.',
      );
    }
    const r = await deps.state.setConsent(
      await customerKey(deps, input.customer_id, from),
      { marketing: input.marketing, utility: input.utility },
      { source: input.source, actor: deps.actor },
    );
    const c = r.customer.consent;
    const out = (k: "marketing" | "utility") => ({
      status: c[k].status,
      source: c[k].source,
      at: c[k].at?.toISOString() ?? null,
    });
    return {
      customer_id: input.customer_id,
      from: fromOut(from),
      consent: { marketing: out("marketing"), utility: out("utility") },
      changed: [...r.changed],
    };
  },
});
