import { z } from "zod";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { channelArg } from "./fields.js";

export const getRateLimit = defineTool({
  name: "get_rate_limit",
  title: "Send rate budget right now",
  description:
    "Shows the business number's send budget right now: capacity in messages per second, tokens left and used this second, and the minimum seconds between two messages to the same person. Informational: the delivery worker paces sends itself, you never need to wait before queueing.",
  annotations: READ_ONLY,
  input: {
    phone_number_id: z
      .string()
      .regex(/^\d{1,30}$/, "expected the numeric phone number id")
      .optional()
      .describe("Meta phone number id; default: the gateway's own number."),
    channel: channelArg,
  },
  output: {
    capacity_mps: z.number(),
    tokens_remaining: z.number(),
    tokens_used: z.number(),
    last_update_at: z.string().nullable().describe("RFC 3339; null when the bucket is idle (full)"),
    pair_limit_secs: z.number(),
    source: z.enum(["redis", "local"]).describe("local = Redis is unreachable and this process paces on its own"),
  },
  run: async (input, deps) => ({
    ...(await deps.limiter.peek(input.phone_number_id ?? deps.cfg.META_PHONE_NUMBER_ID)),
  }),
});
