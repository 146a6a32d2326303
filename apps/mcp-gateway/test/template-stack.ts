import type { DeliveryWorker } from "@wa/messaging";
import { afterAll, beforeAll, expect } from "vitest";
import { setupEnv, startDelivery, type Env, type Gateway } from "./harness.js";
import { startInboundPipe } from "./inbound-pipe.js";

// The stack of the rich-template tests: mock-meta seeded with templates that have headers and buttons, the
// gateway (its start-up sync copies them), the inbound pipe that applies mock-meta's webhooks, two delivery workers.
const RICH = [
  { type: "HEADER", format: "IMAGE", example: { header_handle: ["https://example.com/a.jpg"] } },
  { type: "BODY", text: "Hi {{1}}, your order is ready." },
  {
    type: "BUTTONS",
    buttons: [
      { type: "URL", text: "Track", url: "https://shop.example/t/{{1}}" },
      { type: "QUICK_REPLY", text: "Not me" },
      { type: "COPY_CODE", example: "SAVE10" },
    ],
  },
];
const SEEDS = [
  { name: "rich_update", components: RICH },
  {
    name: "doc_notice",
    components: [
      { type: "HEADER", format: "DOCUMENT", example: { header_handle: ["https://example.com/a.pdf"] } },
      { type: "BODY", text: "Your invoice is attached." },
    ],
  },
  {
    name: "visit_us",
    components: [
      { type: "HEADER", format: "LOCATION" },
      { type: "BODY", text: "See you at our store." },
    ],
  },
  {
    name: "named_header",
    parameter_format: "NAMED",
    components: [
      { type: "HEADER", format: "TEXT", text: "Order {{order_id}}" },
      { type: "BODY", text: "Hello {{first_name}}, it ships today." },
    ],
  },
];

let n = 0;
export const to = () => `4477009${String(process.pid % 1000).padStart(3, "0")}${String((n += 1)).padStart(2, "0")}8`;

/** What every template send to `recipient` starts with in Graph's payload. */
export const envelope = (recipient: string, id: string) => ({
  messaging_product: "whatsapp",
  recipient_type: "individual",
  to: `+${recipient}`,
  biz_opaque_callback_data: id,
  type: "template",
});

/** Starts the stack for one test file (beforeAll/afterAll) and returns it with the helpers over it. */
export function useTemplateStack() {
  const s = {} as { env: Env; gw: Gateway };
  let delivery: DeliveryWorker | undefined;
  let pipe: Awaited<ReturnType<typeof startInboundPipe>> | undefined;
  async function mock(method: string, path: string, body?: unknown) {
    const r = await fetch(`${s.env.meta.url}${path}`, {
      method,
      headers: { authorization: "Bearer mock-token", "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await r.json()) as Record<string, any>;
  }
  const callsTo = async (id: string) =>
    (await mock("GET", `/_mock/calls?to=${id}&include_body=true`)).calls as Record<string, any>[];

  /** Polls get_delivery_status until the message was delivered (or read, which Meta reports after it). */
  async function deliveredStatus(id: string): Promise<string> {
    let status = "";
    for (let i = 0; i < 150 && !["delivered", "read", "failed"].includes(status); i += 1) {
      status = String((await s.gw.call("get_delivery_status", { message_id: id })).structured.status);
      if (status !== "delivered") await new Promise((r) => setTimeout(r, 100));
    }
    return status === "read" ? "delivered" : status;
  }

  /** Sends, waits for `delivered`, and answers the Graph body mock-meta received. */
  async function delivered(args: Record<string, unknown>): Promise<{ id: string; payload: unknown }> {
    const r = await s.gw.call("send_template", args);
    expect(r.isError, r.text).toBe(false);
    const id = r.structured.message_id as string;
    expect(await deliveredStatus(id)).toBe("delivered");
    const calls = await callsTo(String(r.structured.customer_id));
    expect(calls).toHaveLength(1); // sent exactly once
    return { id, payload: calls[0]?.body };
  }

  beforeAll(async () => {
    s.env = await setupEnv();
    for (const seed of SEEDS) {
      await mock("POST", "/_mock/templates", { language: "en", category: "UTILITY", emit_webhook: false, ...seed });
    }
    s.gw = await s.env.gateway(); // its start-up sync copies the templates (and their components)
    const deps = s.gw.clients.deps;
    pipe = await startInboundPipe({ db: deps.db, metaUrl: s.env.meta.url, names: deps.cfg, accounts: deps.accounts });
    delivery = startDelivery(s.gw.clients, 2);
  });
  afterAll(async () => {
    await delivery?.close();
    await pipe?.close();
    await s.env?.close();
  });

  return { stack: s, mock, callsTo, deliveredStatus, delivered };
}
