import { z } from "zod";
import { refuse, isRefusal } from "@wa/contract";
import { defineTool } from "./define-tool.js";
import { phone, tag } from "./fields.js";
import { customerKey } from "./customer-key.js";
import { fromNumber, fromOut, fromShape, resolveFrom } from "./from-number.js";

export const tagCustomer = defineTool({
  name: "tag_customer",
  title: "Add or remove customer tags",
  description:
    "Adds and/or removes tags on a customer (lowercase a-z, 0-9, _ or -, 1-40 chars, e.g. vip, churn_risk). Tags drive campaign audiences (include_tags / exclude_tags) and segment policies (a customer tagged with an excluded segment gets none of that message type). Audited when the set changes.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: {
    customer_id: phone("The customer."),
    from: fromNumber
      .optional()
      .describe(
        "A business number (phone_number_id or display number): tags belong to its business. Omit it for the default number.",
      ),
    add: z.array(tag).max(50).optional().describe('Tags to add, e.g. ["vip"].'),
    remove: z.array(tag).max(50).optional().describe("Tags to remove (applied after add)."),
  },
  output: { customer_id: z.string(), from: fromShape, tags: z.array(z.string()) },
  run: async (input, deps) => {
    const from = await resolveFrom(input.from, deps);
    if (isRefusal(from)) return from;
    if (!input.add?.length && !input.remove?.length) {
      return refuse(
        "INVALID_ARGUMENT",
        "tag_customer needs add and/or remove with at least one tag.",
        'Pass e.g. {"add": ["vip"]}.',
      );
    }
    const r = await deps.state.updateTags(
      await customerKey(deps, input.customer_id, from),
      { add: input.add, remove: input.remove },
      deps.actor,
    );
    if (!r.ok) return r;
    return { customer_id: input.customer_id, from: fromOut(from), tags: [...r.customer.tags] };
  },
});
