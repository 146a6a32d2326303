// SIGKILL of each worker kind mid-load; the invariants are checked and printed after each scenario.
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  checkInvariants,
  enqueueMany,
  NO_VIOLATIONS,
  printReport,
  type RunningApp,
  type Stack,
  startStack,
  violations,
  waitSent,
  waitSettled,
  watchStatuses,
} from "../src/index.js";

let stack: Stack;
let processor: RunningApp;
let scheduler: RunningApp;
// MAYBE_SENT_WAIT_SECS under the 90 s settle wait: a worker killed between its meta_call_at stamp and the request
// leaving leaves a row Meta never got; with status webhooks still arriving, the reconciler sends it again after
// this wait (the default 600 s would outlast the test). The mock's webhooks come within a second, so no row
// Meta did get waits this long.
const FAST_RECONCILER = { RECONCILE_EVERY_MS: "300", STUCK_SENDING_SECS: "5", MAYBE_SENT_WAIT_SECS: "20" };

beforeAll(async () => {
  stack = await startStack();
  await stack.start("webhook-receiver");
  processor = await stack.start("webhook-processor");
  scheduler = await stack.start("scheduler", FAST_RECONCILER);
});
afterAll(() => stack?.close());

it("a delivery worker SIGKILLed in a 2,000-message burst: the other and a restarted one finish, each sent once", async () => {
  // A fast number (500 mps at the mock and in the workers, for the rest of this file) keeps the burst short.
  await stack.mock("/_mock/throughput", { mps: 500 });
  // The workers pace each number from phone_numbers.throughput_mps (THROUGHPUT_MPS only covers a number without a row).
  await stack.db.updateTable("phone_numbers").set({ throughput_mps: 500 }).execute();
  const fast = { DELIVERY_REPLICAS: "2", THROUGHPUT_MPS: "500" };
  const w1 = await stack.start("delivery-worker", fast);
  await stack.start("delivery-worker", fast);
  const ids = await enqueueMany(stack, 2_000, "dw-kill");
  const watch = watchStatuses(stack.db, () => ids);
  await waitSent(stack.db, ids, 400);
  await w1.kill("SIGKILL");
  await stack.start("delivery-worker", fast);
  await waitSettled(stack.db, ids, 90_000, "read");
  const report = await checkInvariants(stack, ids, await watch.stop());
  printReport("SIGKILL delivery-worker mid-burst (2 replicas + restart, 2,000 messages)", report, stack.lines);
  expect(violations(report)).toEqual(NO_VIOLATIONS);
  expect(report.by_status.read).toBe(2_000);
});

it("the webhook processor SIGKILLed while statuses stream in: every status is applied once, in order", async () => {
  const ids = await enqueueMany(stack, 120, "wp-kill");
  const watch = watchStatuses(stack.db, () => ids);
  await waitSent(stack.db, ids, 20);
  await processor.kill("SIGKILL");
  await new Promise((r) => setTimeout(r, 500)); // webhooks keep arriving with no processor at all
  processor = await stack.start("webhook-processor");
  await waitSettled(stack.db, ids, 60_000, "read");
  const report = await checkInvariants(stack, ids, await watch.stop());
  printReport("SIGKILL webhook-processor mid-ingest (120 messages, 360 statuses)", report, stack.lines);
  expect(violations(report)).toEqual(NO_VIOLATIONS);
  expect(report.by_status.read).toBe(120);
});

it("the scheduler SIGKILLed before messages come due: a restarted scheduler dispatches each exactly once", async () => {
  const due = new Date(Date.now() + 1_500).toISOString();
  const base = 447_711_000_000 + Math.floor(Math.random() * 90_000) * 1000;
  const ids: string[] = [];
  for (let i = 0; i < 60; i += 1) {
    const r = await stack.messaging.enqueueOutbound(
      {
        to: `+${base + i * 7 + 11}`,
        content: { type: "template", template_name: "order_update", variables: ["Bo", `S-${i}`] },
        deliver_at: due,
      },
      { actor: "system", tool: "chaos" },
    );
    if (!r.ok) throw new Error(`${r.reason_code}: ${r.human_explanation}`);
    ids.push(r.message_id);
  }
  const watch = watchStatuses(stack.db, () => ids);
  await scheduler.kill("SIGKILL");
  await new Promise((r) => setTimeout(r, 2_000)); // the messages come due while no scheduler runs
  scheduler = await stack.start("scheduler", FAST_RECONCILER);
  await waitSettled(stack.db, ids, 60_000, "read");
  const report = await checkInvariants(stack, ids, await watch.stop());
  printReport("SIGKILL scheduler before the due time, restarted after it (60 scheduled messages)", report, stack.lines);
  expect(violations(report)).toEqual(NO_VIOLATIONS);
  expect(report.by_status.read).toBe(60);
});
