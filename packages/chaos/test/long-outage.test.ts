// Issue 14 item 1 and issue 22 item 4: Postgres unreachable for 90 s for the webhook processor while 500 signed
// events arrive (and status webhooks of a burst of sends): afterwards every event is applied, none is
// dead-lettered, none lost, and the processor logged the outage in a handful of lines, not one per message.
import { signBody } from "@wa/meta";
import { sql } from "kysely";
import { hostPort, startTcpProxy, type TcpProxy } from "@wa/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  checkInvariants,
  enqueueMany,
  NO_VIOLATIONS,
  printReport,
  type Stack,
  startStack,
  violations,
  waitSent,
  waitSettled,
  watchStatuses,
} from "../src/index.js";

const OUTAGE_MS = 90_000;
const EVENTS = 500;
let stack: Stack;
let cut: TcpProxy; // the processor's own way to Postgres: only it loses the database

beforeAll(async () => {
  stack = await startStack();
  cut = await startTcpProxy(hostPort(stack.appDatabaseUrl));
  await stack.start("webhook-receiver");
  await stack.start("webhook-processor", { DATABASE_URL: cut.url(stack.appDatabaseUrl) });
  await stack.start("scheduler", { RECONCILE_EVERY_MS: "300" });
  await stack.start("delivery-worker");
});
afterAll(async () => {
  cut?.restore();
  await stack?.close();
  await cut?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const count = async (query: string) => Number((await sql.raw<{ n: string }>(query).execute(stack.db)).rows[0]?.n ?? 0);

/** One signed inbound-message body, as Meta sends it (escaped non-ASCII, signature over the raw bytes). */
function inbound(i: number): string {
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "200000000000001",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550001111", phone_number_id: "100000000000001" },
              contacts: [{ profile: { name: `Long ${i}` }, wa_id: `6281700${String(i).padStart(5, "0")}` }],
              messages: [
                {
                  from: `6281700${String(i).padStart(5, "0")}`,
                  id: `wamid.LONG${i}`,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  type: "text",
                  text: { body: `hello ${i}` },
                },
              ],
            },
          },
        ],
      },
    ],
  });
}

it("Postgres unreachable for 90 s for the processor while 500 signed events arrive: all applied after, none dead-lettered", {
  timeout: 300_000,
}, async () => {
  const ids = await enqueueMany(stack, 60, "long-pg");
  const watch = watchStatuses(stack.db, () => ids);
  await waitSent(stack.db, ids, 1);
  const cutAt = stack.lines.length;
  cut.cut();
  const started = Date.now();
  // 500 signed inbound events over the first half of the outage; the sends' status webhooks arrive meanwhile too.
  for (let i = 0; i < EVENTS; i++) {
    const body = inbound(i);
    const res = await fetch(`${stack.receiverUrl}/webhook`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "x-hub-signature-256": signBody(body, stack.appSecret) },
    });
    expect(res.status).toBe(200);
    if (i % 10 === 9) await sleep(80);
  }
  await sleep(Math.max(0, OUTAGE_MS - (Date.now() - started)));
  const during = stack.lines.slice(cutAt).filter((l) => l.startsWith("webhook-processor:"));
  cut.restore();

  const applied = async () => count(`SELECT count(*) AS n FROM messages WHERE wamid LIKE 'wamid.LONG%'`);
  for (let t = Date.now(); Date.now() - t < 120_000 && (await applied()) < EVENTS; ) await sleep(500);
  await waitSettled(stack.db, ids, 120_000, "read");
  const report = await checkInvariants(stack, ids, await watch.stop());
  printReport(
    `Postgres unreachable for the webhook processor for ${OUTAGE_MS / 1000} s (${EVENTS} signed events + 60 sends)`,
    report,
    stack.lines,
  );
  process.stdout.write(`processor log lines during the outage: ${during.length}\n${during.join("\n")}\n`);

  expect(await applied()).toBe(EVENTS);
  expect(await count(`SELECT count(*) AS n FROM webhook_dead_letters`)).toBe(0);
  expect(violations(report)).toEqual(NO_VIOLATIONS);
  expect(report.by_status.read).toBe(60);
  expect(stack.crashed()).toEqual([]);
  // The outage in a handful of lines: its start, at most two other kinds of failure, a summary per minute.
  expect(during.length).toBeLessThanOrEqual(8);
});
