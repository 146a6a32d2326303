// Every compliance decision of the send path is kept with its checks: an accepted send in its message.queued /
// message.scheduled entry, a refused one as message.refused on the customer (the console's timeline reads both).
import { RULE_NAMES } from "@wa/compliance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStack, orderUpdate, phone, seedCustomer, seedTemplates, type Stack } from "./support.js";

let s: Stack;
beforeAll(async () => {
  s = await openStack();
  await seedTemplates(s.db);
});
afterAll(async () => {
  await s.close();
});

type StoredCheck = { rule: string; passed: boolean; detail: string };
const refusedEntries = (customerId: string) =>
  s.db
    .selectFrom("audit_logs")
    .select(["actor", "subject_type", "details"])
    .where("action", "=", "message.refused")
    .where("subject_id", "=", customerId)
    .execute();

describe("the send path's decisions in the audit log", () => {
  it("an accepted send keeps every check in its message.queued entry", async () => {
    const r = await s.messaging.enqueueOutbound(orderUpdate(phone()), { actor: "agent", tool: "send_template" });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const entry = await s.db
      .selectFrom("audit_logs")
      .select("details")
      .where("action", "=", "message.queued")
      .where("subject_id", "=", r.message_id)
      .executeTakeFirstOrThrow();
    const checks = entry.details.checks as StoredCheck[];
    expect(checks.map((c) => c.rule)).toEqual(
      expect.arrayContaining([
        RULE_NAMES.phone,
        RULE_NAMES.notRevoked,
        RULE_NAMES.templateApproved,
        RULE_NAMES.templateVariables,
      ]),
    );
    expect(checks.every((c) => c.passed && c.detail.length > 0)).toBe(true);
  });

  it("a refused send is a message.refused entry on the customer with the answered reason code and the failing check", async () => {
    const optedOut = phone();
    await seedCustomer(s.db, optedOut, { marketing: "revoked" });
    const r = await s.messaging.enqueueOutbound(
      { to: optedOut, content: { type: "template", template_name: "welcome_offer", variables: ["x"] } },
      { actor: "agent", tool: "send_template" },
    );
    expect(r).toMatchObject({ ok: false, reason_code: "USER_OPTED_OUT" });
    const [entry, ...more] = await refusedEntries(optedOut);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      actor: "agent",
      subject_type: "customer",
      details: { reason_code: "USER_OPTED_OUT", template_name: "welcome_offer", tool: "send_template" },
    });
    const failed = (entry!.details.checks as StoredCheck[]).filter((c) => !c.passed);
    expect(failed.map((c) => c.rule)).toContain(RULE_NAMES.notRevoked);
    expect(failed.every((c) => c.detail.length > 0)).toBe(true);

    const closed = phone();
    const reply = await s.messaging.enqueueOutbound(
      { to: closed, content: { type: "text", text: "hello" } },
      { actor: "agent", windowClosedCode: "WINDOW_CLOSED" },
    );
    expect(reply).toMatchObject({ ok: false, reason_code: "WINDOW_CLOSED" });
    expect((await refusedEntries(closed)).map((e) => e.details.reason_code)).toEqual(["WINDOW_CLOSED"]);
  });

  it("a send refused at the cap reservation records the frequency_cap check as failed", async () => {
    const to = phone();
    await seedCustomer(s.db, to, { marketing: "granted" });
    const send = () =>
      s.messaging.enqueueOutbound(
        { to, content: { type: "template", template_name: "welcome_offer", variables: ["Ann"] } },
        { actor: "agent" },
      );
    const results = await Promise.all(Array.from({ length: 6 }, send));
    const refusedCount = results.filter((r) => !r.ok).length;
    expect(refusedCount).toBe(4);
    const entries = await refusedEntries(to);
    expect(entries).toHaveLength(refusedCount);
    for (const e of entries) {
      expect(e.details.reason_code).toBe("FREQUENCY_CAP_EXCEEDED");
      expect((e.details.checks as StoredCheck[]).filter((c) => !c.passed).map((c) => c.rule)).toEqual([
        RULE_NAMES.frequencyCap,
      ]);
    }
  });

  it("a campaign batch keeps no checks: its skips are counted per campaign", async () => {
    const optedOut = phone();
    const fine = phone();
    await seedCustomer(s.db, optedOut, { utility: "revoked" });
    const r = await s.messaging.enqueueBatch([orderUpdate(optedOut), orderUpdate(fine)], { actor: "system" });
    expect(r.results.map((x) => x.ok)).toEqual([false, true]);
    expect(await refusedEntries(optedOut)).toEqual([]);
    const queued = r.results[1]!;
    if (!queued.ok) return;
    const entry = await s.db
      .selectFrom("audit_logs")
      .select("details")
      .where("action", "=", "message.queued")
      .where("subject_id", "=", queued.message_id)
      .executeTakeFirstOrThrow();
    expect(entry.details.checks).toBeUndefined();
  });

  it("argument errors are not compliance decisions: nothing is recorded", async () => {
    const to = phone();
    expect(await s.messaging.enqueueOutbound(orderUpdate(to, { channel: "sms" }), { actor: "agent" })).toMatchObject({
      ok: false,
      reason_code: "INVALID_ARGUMENT",
    });
    expect(await refusedEntries(to)).toEqual([]);
  });
});
