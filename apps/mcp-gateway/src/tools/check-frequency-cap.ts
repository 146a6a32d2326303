import { isRefusal } from "@wa/contract";
import { z } from "zod";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { channelArg, phone } from "./fields.js";
import { fromNumber, fromOut, fromShape, resolveFrom } from "./from-number.js";

export const checkFrequencyCap = defineTool({
  name: "check_frequency_cap",
  title: "Marketing frequency cap",
  description:
    "How many marketing messages this customer got in the rolling last 24 hours, the cap (default 2, or the frequency_limit policy), whether they are capped and when the next slot frees. A capped customer gets no marketing until resets_at; schedule it for later instead.",
  annotations: READ_ONLY,
  input: {
    customer_id: phone("The customer."),
    from: fromNumber
      .optional()
      .describe(
        "A business number (phone_number_id or display number): the cap counts the marketing of its whole business. Omit it for the default number.",
      ),
    channel: channelArg,
  },
  output: {
    customer_id: z.string(),
    from: fromShape,
    is_capped: z.boolean(),
    sent_last_24h: z.number().int(),
    cap: z.number().int(),
    resets_at: z.string().optional(),
    reason: z.string().optional(),
    suggested_action: z.string().optional(),
  },
  run: async ({ customer_id, ...input }, deps) => {
    const from = await resolveFrom(input.from, deps);
    if (isRefusal(from)) return from;
    const report = await deps.compliance.frequencyCap(customer_id, from.channel);
    if (!report) throw new Error("compliance refused a number the phone field accepted");
    return { ...report, from: fromOut(from) };
  },
});
