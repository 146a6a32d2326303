import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMPLIANCE_DEFAULTS } from "@wa/config";
import { createStateStore } from "@wa/state";
import { uniqueId } from "@wa/testkit";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { createCompliance, loadPolicies } from "../src/index.js";
import { idNumber, REPO_POLICIES, useEnv } from "./env.js";
import { denied } from "./fixtures.js";

const env = useEnv();
const NIGHT_JAKARTA = Date.parse("2025-06-02T15:00:00Z"); // 22:00: inside the default marketing quiet hours
const CHECK_MS = COMPLIANCE_DEFAULTS.policyCheckMs;

beforeAll(async () => {
  await loadPolicies(env.db, REPO_POLICIES);
});

/** A process that never wrote policies itself: it learns of changes only through the version row. */
function otherProcess() {
  const tick = { t: 0 };
  const state = createStateStore({ db: env.db, redis: env.redis, keyPrefix: env.prefix, now: () => NIGHT_JAKARTA });
  const compliance = createCompliance({ db: env.db, state, now: () => NIGHT_JAKARTA, monotonic: () => tick.t });
  return { tick, state, compliance };
}

describe("a policy change reaches every process within policyCheckMs", () => {
  it("sees a policies file loaded elsewhere and an operator's SQL, without an invalidation call", async () => {
    const { tick, state, compliance } = otherProcess();
    const id = idNumber();
    await state.setConsent({ customerId: id }, { marketing: "granted" }, { source: "api" });
    const req = { customer_id: id, message_type: "marketing" as const };
    expect(denied(await compliance.evaluate(req))).toMatchObject({
      reason_code: "POLICY_RESTRICTION",
      policy_id: "marketing_quiet_hours",
    });

    // Another process starts with a policies file that no longer has the quiet hours.
    const file = join(tmpdir(), `${uniqueId("policies")}.yaml`);
    await writeFile(
      file,
      "policies:\n  - { id: marketing_daily_cap, type: frequency_limit, message_type: marketing, rules: { max_per_day: 2 } }\n",
    );
    await loadPolicies(env.db, file);
    tick.t += CHECK_MS - 1;
    expect((await compliance.evaluate(req)).allowed).toBe(false); // still the cached list: no read per decision
    tick.t += 1;
    expect((await compliance.evaluate(req)).allowed).toBe(true);

    // An operator turns them back on by hand.
    await env.db.updateTable("policies").set({ enabled: true }).where("id", "=", "marketing_quiet_hours").execute();
    tick.t += CHECK_MS;
    expect(denied(await compliance.evaluate(req)).policy_id).toBe("marketing_quiet_hours");
  });

  it("bumps the version in the writing transaction, for inserts, updates, deletes and truncates, and not for a no-op upsert", async () => {
    const version = async () =>
      BigInt((await env.db.selectFrom("policies_version").select("version").executeTakeFirstOrThrow()).version);
    const v0 = await version();
    await loadPolicies(env.db, REPO_POLICIES); // re-enables what the first test left disabled
    const v1 = await version();
    expect(v1).toBeGreaterThan(v0);
    await loadPolicies(env.db, REPO_POLICIES); // unchanged: nothing written
    expect(await version()).toBe(v1);
    await env.db
      .insertInto("policies")
      .values({ id: "tmp", name: "tmp", type: "frequency_limit", rules: JSON.stringify({ max_per_day: 5 }) })
      .execute();
    const v2 = await version();
    expect(v2).toBeGreaterThan(v1);
    await env.db
      .transaction()
      .execute(async (trx) => {
        await trx.deleteFrom("policies").where("id", "=", "tmp").execute();
        throw new Error("rolled back");
      })
      .catch(() => {});
    expect(await version()).toBe(v2); // a rolled-back change is no change
    await env.db.deleteFrom("policies").where("id", "=", "tmp").execute();
    const v3 = await version();
    expect(v3).toBeGreaterThan(v2);
    await sql`TRUNCATE policies`.execute(env.db);
    expect(await version()).toBeGreaterThan(v3);
  });
});
