import { refuse } from "@wa/contract";
import { z } from "zod";
import { cursorNow, decodeCursor, encodeCursor, inboundAfter, messageItem, toItem } from "../messages/view.js";
import { defineTool, READ_ONLY } from "./define-tool.js";
import type { InboundFeed } from "../inbound-feed.js";
import { phone } from "./fields.js";

const RECHECK_MS = 2000; // Postgres is re-read this often too: the NATS note is a hint, the rows are the truth

export const waitForMessages = defineTool({
  name: "wait_for_messages",
  title: "Wait for customers to write",
  description:
    "Long-polls for new inbound messages: returns as soon as a customer writes (or at once when messages newer than cursor exist), else after timeout_secs with none. Call it first without cursor, then always pass the returned cursor so no message is missed or repeated. Clients with resource subscriptions can subscribe to whatsapp://messages/new instead. Read a whole conversation with list_messages; media content comes by get_media.",
  annotations: READ_ONLY,
  input: {
    cursor: z
      .string()
      .min(1)
      .max(80)
      .optional()
      .describe("The cursor of the previous answer; omitted = only messages arriving after this call."),
    customer_id: phone("Only this customer's messages (omit for every customer).").optional(),
    timeout_secs: z.number().int().min(0).max(60).default(30).describe("Longest wait, 0-60 s (default 30)."),
    limit: z.number().int().min(1).max(100).default(20).describe("Most messages returned at once (default 20)."),
  },
  output: {
    messages: z.array(messageItem).describe("Oldest first."),
    cursor: z.string().describe("Pass it to the next wait_for_messages call."),
    timed_out: z.boolean(),
  },
  run: async (input, deps) => {
    let cursor = input.cursor === undefined ? await cursorNow(deps.db) : decodeCursor(input.cursor);
    if (cursor === null)
      return refuse(
        "INVALID_ARGUMENT",
        "cursor: not a cursor this tool returned.",
        "Pass the cursor of the previous wait_for_messages answer unchanged, or omit it to start from now.",
      );
    const start = cursor;
    const read = async () => inboundAfter(deps.db, start, input.limit, input.customer_id);
    const deadline = deps.now() + input.timeout_secs * 1000;
    let rows = await read();
    while (rows.length === 0 && deps.now() < deadline) {
      await nextNote(deps.inbound, input.customer_id, Math.min(RECHECK_MS, deadline - deps.now()));
      rows = await read();
    }
    const last = rows.at(-1);
    if (last) cursor = { us: last.us, id: last.id };
    return { messages: rows.map(toItem), cursor: encodeCursor(cursor), timed_out: rows.length === 0 };
  },
});

/** Resolves at the next note (of this customer, when given) or after `ms`, whichever comes first. */
function nextNote(feed: InboundFeed, customerId: string | undefined, ms: number) {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      stop();
      resolve();
    };
    const stop = feed.listen((n) => {
      if (customerId === undefined || n.customerId === customerId) done();
    });
    const timer = setTimeout(done, Math.max(0, ms));
  });
}
