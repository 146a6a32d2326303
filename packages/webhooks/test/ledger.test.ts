import { useTestDatabase } from "@wa/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { claimEvent, pruneLedger } from "../src/index.js";
import { type Harness, harness } from "./support.js";

const tdb = useTestDatabase();
let h: Harness;
beforeAll(() => {
  h = harness(tdb.url);
});
afterAll(() => h.close());

const DAY = 86_400_000;

it("prunes ledger keys older than the retention in batches and keeps the recent ones deduplicating", async () => {
  const now = Date.now();
  const old = Array.from({ length: 25 }, (_, i) => ({
    event_key: `old:${i}`,
    kind: "status",
    processed_at: new Date(now - 9 * DAY),
  }));
  await h.db.insertInto("webhook_events").values(old).execute();
  expect(await claimEvent(h.db, "recent:1", "status")).toBe(true);

  expect(await pruneLedger(h.db, 8 * DAY, 10, now)).toBe(25); // three batches of at most 10
  const left = await h.db.selectFrom("webhook_events").select("event_key").execute();
  expect(left.map((r) => r.event_key)).toEqual(["recent:1"]);
  expect(await claimEvent(h.db, "recent:1", "status")).toBe(false); // still a duplicate
  expect(await pruneLedger(h.db, 8 * DAY, 10, now)).toBe(0);
});
