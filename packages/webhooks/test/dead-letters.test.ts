import { createTestDatabase, type TestDatabase } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discardDeadLetter, replayDeadLetter } from "../src/index.js";
import { type Harness, harness, messageRow, outbound, statusesBody } from "./support.js";

const T = Math.floor(Date.now() / 1000) - 600;
let tdb: TestDatabase;
let h: Harness;

beforeAll(async () => {
  tdb = await createTestDatabase();
  h = harness(tdb.url);
});
afterAll(async () => {
  await h.close();
  await tdb.drop();
});

const deps = () => ({ db: h.db, processBody: (b: Buffer) => h.processor.processBody(b) });

async function parkStatus(wamid: string): Promise<string> {
  const r = await h.processor.processBody(
    statusesBody([{ id: wamid, status: "delivered", ts: T, recipient: "6281355550000" }]),
    { final: true },
  );
  expect(r.outcomes.parked).toBe(1);
  const row = await h.db
    .selectFrom("webhook_dead_letters")
    .select("id")
    .where("event_key", "=", `status:${wamid}:delivered`)
    .executeTakeFirstOrThrow();
  return String(row.id);
}

describe("dead letters", () => {
  it("replay while the cause is not fixed: refused, the dead letter and its ledger claim stay", async () => {
    const id = await parkStatus("wamid.DL1");
    const r = await replayDeadLetter(deps(), id, "operator:ann");
    expect(r).toMatchObject({ ok: false, reason_code: "WEBHOOK_STILL_FAILING" });
    expect(
      await h.db.selectFrom("webhook_dead_letters").select("id").where("id", "=", id).executeTakeFirst(),
    ).toBeDefined();
    const ledger = await h.db
      .selectFrom("webhook_events")
      .select("kind")
      .where("event_key", "=", "status:wamid.DL1:delivered")
      .executeTakeFirstOrThrow();
    expect(ledger.kind).toBe("dead:status");
  });

  it("replay after the fix applies the event once through the processor and removes the dead letter, audited", async () => {
    const id = await parkStatus("wamid.DL2");
    const msg = await outbound(h.db, {
      customerId: "6281355550000",
      wamid: "wamid.DL2",
      sentAt: new Date((T - 5) * 1000),
    });
    const r = await replayDeadLetter(deps(), id, "operator:ann");
    expect(r).toMatchObject({ ok: true, id });
    expect((await messageRow(h.db, msg)).status).toBe("delivered");
    expect(
      await h.db.selectFrom("webhook_dead_letters").select("id").where("id", "=", id).executeTakeFirst(),
    ).toBeUndefined();
    const audit = await h.db
      .selectFrom("audit_logs")
      .select(["actor", "subject_id"])
      .where("action", "=", "webhook.dead_letter_replayed")
      .executeTakeFirstOrThrow();
    expect(audit).toEqual({ actor: "operator:ann", subject_id: "status:wamid.DL2:delivered" });
    const bodies = await h.db.selectFrom("webhook_dead_bodies").select("body_sha256").execute();
    expect(bodies).toHaveLength(1); // DL1's body stays (still parked); DL2's went with its dead letter
    // Meta's own late redelivery is now a duplicate, never a second application.
    const again = await h.processor.processBody(
      statusesBody([{ id: "wamid.DL2", status: "delivered", ts: T, recipient: "6281355550000" }]),
    );
    expect(again.outcomes.duplicate).toBe(1);
  });

  it("discard needs a reason, keeps the event in the audit log; unknown ids are NOT_FOUND", async () => {
    const id = await parkStatus("wamid.DL3");
    expect(await discardDeadLetter(h.db, id, "  ", "operator:ann")).toMatchObject({
      ok: false,
      reason_code: "INVALID_ARGUMENT",
    });
    expect(await discardDeadLetter(h.db, id, "test number, never sent by us", "operator:ann")).toMatchObject({
      ok: true,
    });
    const audit = await h.db
      .selectFrom("audit_logs")
      .select("details")
      .where("action", "=", "webhook.dead_letter_discarded")
      .executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ reason: "test number, never sent by us", kind: "status" });
    expect(await replayDeadLetter(deps(), id, "operator:ann")).toMatchObject({ ok: false, reason_code: "NOT_FOUND" });
    expect(await replayDeadLetter(deps(), "x'; drop", "operator:ann")).toMatchObject({
      ok: false,
      reason_code: "NOT_FOUND",
    });
  });
});
