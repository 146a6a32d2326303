// Meta misbehaving: duplicated, reordered and read-without-delivered webhooks, and a burst far over the number's
// throughput (130429) — the invariants are checked and printed after each scenario.
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
  waitSettled,
  watchStatuses,
} from "../src/index.js";

let stack: Stack;
let worker: RunningApp;

beforeAll(async () => {
  stack = await startStack();
  await stack.start("webhook-receiver");
  await stack.start("webhook-processor");
  await stack.start("scheduler", { RECONCILE_EVERY_MS: "300" });
  worker = await stack.start("delivery-worker");
});
afterAll(() => stack?.close());

it("duplicated, reordered and read-without-delivered webhooks: each status applied once, never backwards", async () => {
  await stack.mock("/_mock/config", {
    duplicate_rate: 0.5,
    reorder: true,
    read_without_delivered_rate: 0.2,
    webhook_jitter_ms: 80,
  });
  const ids = await enqueueMany(stack, 150, "storm");
  const watch = watchStatuses(stack.db, () => ids);
  await waitSettled(stack.db, ids, 60_000, "read");
  const report = await checkInvariants(stack, ids, await watch.stop());
  const missingDelivered = await stack.db
    .selectFrom("messages")
    .select("id")
    .where("id", "in", ids)
    .where("delivered_at", "is", null)
    .execute();
  printReport("webhooks duplicated (50%), reordered, 20% read without delivered (150 messages)", report, stack.lines);
  expect(violations(report)).toEqual(NO_VIOLATIONS);
  expect(report.by_status.read).toBe(150);
  expect(missingDelivered).toEqual([]); // read implies delivered
  await stack.mock("/_mock/config", {
    duplicate_rate: 0,
    reorder: false,
    read_without_delivered_rate: 0,
    webhook_jitter_ms: 0,
  });
});

it("a burst far over Meta's rate for the number: 130429s are waited out, never counted as failures", async () => {
  await stack.mock("/_mock/throughput", { mps: 20, burst: 20 });
  const before = await stack.mock<{ by_code: Record<string, number> }>("/_mock/stats");
  await worker.kill("SIGTERM"); // queue the whole burst first, so the worker meets it at full speed
  const ids = await enqueueMany(stack, 150, "burst");
  worker = await stack.start("delivery-worker");
  const watch = watchStatuses(stack.db, () => ids);
  await waitSettled(stack.db, ids, 60_000, "read");
  const report = await checkInvariants(stack, ids, await watch.stop());
  const after = await stack.mock<{ by_code: Record<string, number> }>("/_mock/stats");
  const throttled = (after.by_code["130429"] ?? 0) - (before.by_code["130429"] ?? 0);
  printReport(`150 messages at 80/s against a number allowed 20/s (${throttled} answers 130429)`, report, stack.lines);
  expect(violations(report)).toEqual(NO_VIOLATIONS);
  expect(report.by_status.read).toBe(150);
  expect(throttled).toBeGreaterThan(0);
});
