// `npm run demo`: with `npm start` running, plays one story through the real MCP gateway (an SDK client over
// stdio) against mock-meta, the webhook receiver/processor, the workers and the scheduler. Prints each step;
// exits 1 at the first step that does not answer as expected.
import { mkdirSync, openSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { resolveEnv } from "./lib/env.mjs";
import { ROOT } from "./lib/setup.mjs";

const env = resolveEnv(ROOT);
const MOCK = env.META_API_BASE_URL;
const bold = (s) => `\x1b[1m${s}\x1b[0m`;
const green = (s) => `\x1b[32m${s}\x1b[0m`;
const red = (s) => `\x1b[31m${s}\x1b[0m`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Marketing has quiet hours (21:00–08:00 recipient time): pick a customer whose local clock is in daytime.
const COUNTRIES = [
  { cc: "44", zone: "Europe/London", local: "7700" },
  { cc: "1", zone: "America/New_York", local: "415555" },
  { cc: "81", zone: "Asia/Tokyo", local: "9012" },
  { cc: "62", zone: "Asia/Jakarta", local: "81122" },
  { cc: "91", zone: "Asia/Kolkata", local: "98765" },
];
const hourIn = (zone) =>
  Number(new Intl.DateTimeFormat("en-GB", { hour: "numeric", hourCycle: "h23", timeZone: zone }).format(new Date()));
const country = COUNTRIES.find((c) => hourIn(c.zone) >= 9 && hourIn(c.zone) <= 19) ?? COUNTRIES[0];
const run = Date.now().toString().slice(-5);
const number = (i) => `${country.cc}${country.local}${run}${i}7`; // never ends in 0001–0009 (mock-meta error triggers)
const customer = number(1);

let step = 0;
function fail(message) {
  process.stdout.write(`${red("✗")} ${message}\n`);
  process.exit(1);
}
function say(title) {
  step += 1;
  process.stdout.write(`\n${bold(`${step}. ${title}`)}\n`);
}

async function mock(path, body) {
  const res = await fetch(`${MOCK}${path}`, {
    method: body ? "POST" : "GET",
    headers: { "content-type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  }).catch((err) => fail(`mock-meta at ${MOCK} is not answering (${err.message}); is \`npm start\` running?`));
  return res.json();
}

mkdirSync(`${ROOT}.run`, { recursive: true });
const gatewayLog = `${ROOT}.run/demo-gateway.log`;
const transport = new StdioClientTransport({
  command: process.execPath,
  args: [`${ROOT}apps/mcp-gateway/dist/main.js`],
  env: { ...process.env, ...env },
  stderr: openSync(gatewayLog, "a"),
});
const client = new Client({ name: "wa-demo", version: "1.0.0" });
await client
  .connect(transport)
  .catch((err) => fail(`the MCP gateway did not start: ${err.message} (log: ${gatewayLog})`));

async function call(name, args, expect = "ok") {
  const res = await client.callTool({ name, arguments: args });
  const out = res.structuredContent ?? {};
  const shown = JSON.stringify(out);
  process.stdout.write(
    `   ${name}(${JSON.stringify(args)})\n   → ${shown.length > 400 ? `${shown.slice(0, 400)}…` : shown}\n`,
  );
  if (expect === "ok" && res.isError) fail(`${name} refused: ${out.reason_code}: ${out.human_explanation}`);
  if (expect !== "ok" && out.reason_code !== expect)
    fail(`${name} should answer ${expect}, got ${out.reason_code ?? "success"}`);
  if (expect !== "ok") process.stdout.write(`   ${green("✓")} refused as expected: ${out.reason_code}\n`);
  return out;
}

async function until(what, probe, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) fail(`timed out waiting for ${what}`);
    await sleep(300);
  }
}

async function delivered(messageId) {
  return until(`message ${messageId} to be delivered`, async () => {
    const res = await client.callTool({ name: "get_delivery_status", arguments: { message_id: messageId } });
    const s = res.structuredContent ?? {};
    if (s.status === "failed") fail(`message ${messageId} failed: ${JSON.stringify(s.error)}`);
    return ["delivered", "read"].includes(s.status) ? s : null;
  });
}

process.stdout.write(
  `${bold("WhatsApp gateway demo")}: customer +${customer} (${country.zone}, ${hourIn(country.zone)}:00 local)\n`,
);

say("The customer writes in (a signed webhook from mock-meta → receiver → processor)");
await mock("/_mock/inbound", { from: customer, name: "Ana", text: "Hi! Where is my order A-1042?" });
await until("the care window to open", async () => {
  const res = await client.callTool({ name: "check_conversation", arguments: { customer_id: `+${customer}` } });
  return res.structuredContent?.window_open ? res : null;
});
await call("check_conversation", { customer_id: `+${customer}` });

say("The agent reads the customer's context");
await call("get_customer_context", { customer_id: `+${customer}` });

say("The agent replies inside the 24 h window");
const reply = await call("reply_customer", {
  customer_id: `+${customer}`,
  message_text: "Hi Ana, order A-1042 ships today 📦",
});
const replyStatus = await delivered(reply.message_id);
process.stdout.write(
  `   ${green("✓")} reply ${reply.message_id} is ${replyStatus.status} (wamid ${replyStatus.wamid})\n`,
);

say("The agent sends the invoice PDF and asks with reply buttons");
const pdf = await call("send_media", {
  to: `+${customer}`,
  media_type: "document",
  link: "https://cdn.example.com/invoices/A-1042.pdf",
  filename: "invoice-A-1042.pdf",
  caption: "Your invoice for A-1042",
});
await delivered(pdf.message_id);
process.stdout.write(`   ${green("✓")} document ${pdf.message_id} delivered\n`);
await call(
  "send_interactive",
  { to: `+${customer}`, kind: "buttons", body: "Anything else?", buttons: [{ id: "x", title: "x".repeat(21) }] },
  "INVALID_ARGUMENT",
);
const ask = await call("send_interactive", {
  to: `+${customer}`,
  kind: "buttons",
  body: "Anything else I can do for you?",
  footer: "Acme support",
  buttons: [
    { id: "track", title: "Track order" },
    { id: "human", title: "Talk to a person" },
  ],
});
await delivered(ask.message_id);
process.stdout.write(`   ${green("✓")} buttons ${ask.message_id} delivered\n`);

say('The customer taps "Track order"; the agent marks it read and reacts');
const tap = `wamid.demo-tap-${run}`;
await mock("/_mock/inbound", { from: customer, type: "interactive", payload: "track", text: "Track order", id: tap });
await until("the button reply to be stored", async () => {
  const res = await client.callTool({ name: "mark_read", arguments: { message_id: tap, typing_indicator: true } });
  return res.isError ? null : res;
});
await call("mark_read", { message_id: tap });
const reaction = await call("react_to_message", { message_id: tap, emoji: "👍" });
await delivered(reaction.message_id);
process.stdout.write(`   ${green("✓")} reaction ${reaction.message_id} delivered\n`);

say("A marketing template without opt-in is refused");
await call("send_template", { to: `+${customer}`, template_name: "welcome_offer", variables: ["Ana"] }, "NO_OPT_IN");

say("The customer opts in; the agent records consent");
await call("update_consent", {
  customer_id: `+${customer}`,
  marketing: "granted",
  source: "demo: ticked the box on the web form",
});

say("The marketing template now goes out");
const promo = await call("send_template", { to: `+${customer}`, template_name: "welcome_offer", variables: ["Ana"] });
await delivered(promo.message_id);
process.stdout.write(`   ${green("✓")} marketing message ${promo.message_id} delivered\n`);

say("The customer answers STOP");
await mock("/_mock/inbound", { from: customer, text: "STOP" });
await until("the opt-out to be applied", async () => {
  const res = await client.callTool({ name: "get_customer_context", arguments: { customer_id: `+${customer}` } });
  return res.structuredContent?.consent?.marketing?.status === "revoked";
});
await call("check_compliance", { customer_id: `+${customer}`, message_type: "marketing" }, "USER_OPTED_OUT");

say("The next marketing send is refused");
await call(
  "send_template",
  { to: `+${customer}`, template_name: "welcome_offer", variables: ["Ana"] },
  "USER_OPTED_OUT",
);

say("A utility campaign to three tagged customers runs to completed");
const audience = [number(2), number(3), number(4)];
await mock(
  "/_mock/inbound",
  audience.map((from, i) => ({ from, name: `Customer ${i + 2}`, text: "hello" })),
);
for (const id of audience) {
  await until(`customer +${id} to exist`, async () => {
    const res = await client.callTool({ name: "check_conversation", arguments: { customer_id: `+${id}` } });
    return res.structuredContent?.window_open;
  });
  await call("tag_customer", { customer_id: `+${id}`, add: [`demo_${run}`] });
}
const campaign = await call("schedule_campaign", {
  name: `demo order updates ${run}`,
  type: "utility",
  template_name: "order_update",
  variables: ["Ana", "A-1042"],
  audience_filter: { include_tags: [`demo_${run}`] },
  deliver_at: new Date(Date.now() + 2_000).toISOString(),
});
const done = await until(
  "the campaign to complete",
  async () => {
    const res = await client.callTool({ name: "get_campaign", arguments: { campaign_id: campaign.campaign_id } });
    const c = res.structuredContent ?? {};
    if (["failed", "cancelled"].includes(c.status)) fail(`campaign ended ${c.status}: ${JSON.stringify(c)}`);
    return c.status === "completed" ? c : null;
  },
  60_000,
);
process.stdout.write(
  `   → ${JSON.stringify(done.counters)}\n   ${green("✓")} campaign ${campaign.campaign_id} completed\n`,
);

await client.close();
process.stdout.write(
  `\n${green(bold("demo finished: every step answered as expected"))} (gateway log: ${gatewayLog})\n`,
);
process.exit(0);
