import { isRefusal } from "@wa/contract";
import { z } from "zod";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { channelArg } from "./fields.js";
import { fromNumber, fromOut, fromShape, resolveFrom } from "./from-number.js";

export const getRateLimit = defineTool({
  name: "get_rate_limit",
  title: "Send rate budget right now",
  description:
    "Shows the business number's send budget right now: capacity in messages per second, tokens left and used this second, and the minimum seconds between two messages to the same person. Informational: the delivery worker paces sends itself, you never need to wait before queueing. Throughput and the pair limit belong to each number (name one with from); the messaging-limit tier to its business, shared by all its numbers.",
  annotations: READ_ONLY,
  input: {
    phone_number_id: z
      .string()
      .regex(/^\d{1,30}$/, "expected the numeric phone number id")
      .optional()
      .describe("Same as from, by phone_number_id only (kept for older agents)."),
    from: fromNumber.optional(),
    channel: channelArg,
  },
  output: {
    capacity_mps: z.number(),
    tokens_remaining: z.number(),
    tokens_used: z.number(),
    last_update_at: z.string().nullable().describe("RFC 3339; null when the bucket is idle (full)"),
    pair_limit_secs: z.number(),
    source: z.enum(["redis", "local"]).describe("local = Redis is unreachable and this process paces on its own"),
    from: fromShape,
    throughput_mps: z
      .number()
      .nullable()
      .describe("the number's throughput as Meta last set it (80, or 1,000 after an upgrade); null: not known"),
    messaging_limit_tier: z
      .string()
      .nullable()
      .describe("the business's messaging-limit tier, shared by all its numbers; null: not known yet"),
  },
  run: async (input, deps) => {
    const from = await resolveFrom(input.from ?? input.phone_number_id, deps);
    if (isRefusal(from)) return from;
    const [peek, row] = await Promise.all([
      deps.limiter.peek(from.phoneNumberId),
      deps.db
        .selectFrom("phone_numbers")
        .leftJoin("wabas", "wabas.waba_id", "phone_numbers.waba_id")
        .leftJoin("businesses", "businesses.business_id", "wabas.business_id")
        .select(["phone_numbers.throughput_mps", "businesses.messaging_limit_tier"])
        .where("phone_numbers.phone_number_id", "=", from.phoneNumberId)
        .executeTakeFirst()
        .catch(() => undefined), // Postgres down: the bucket still answers
    ]);
    return {
      ...peek,
      from: fromOut(from),
      throughput_mps: row?.throughput_mps ?? null,
      messaging_limit_tier: row?.messaging_limit_tier ?? null,
    };
  },
});
