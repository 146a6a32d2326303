import { createDb, type Db } from "@wa/db";
import { useTestDatabase } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOperator, hashPassword, login, resolveSession, throttleWait, verifyPassword } from "../src/index.js";

const database = useTestDatabase();
let db: Db;
beforeAll(() => {
  db = createDb(database.url, { max: 4 });
});
afterAll(async () => {
  await db.destroy();
});

const policy = { sessionTtlMs: 60_000, maxFailures: 3, lockMs: 10_000 };

describe("operators", () => {
  it("hashes passwords with scrypt and a random salt; only the right password verifies", async () => {
    const a = await hashPassword("a long passphrase");
    const b = await hashPassword("a long passphrase");
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("a long passphrase", a)).toBe(true);
    expect(await verifyPassword("a long passphrase!", a)).toBe(false);
  });

  it("refuses short passwords and bad names with a reason", async () => {
    expect(await createOperator(db, { name: "ann", role: "viewer", password: "short" }, "system")).toMatchObject({
      ok: false,
      reason_code: "INVALID_ARGUMENT",
    });
    expect(
      await createOperator(db, { name: "Bad Name!", role: "viewer", password: "long enough password" }, "system"),
    ).toMatchObject({ ok: false, reason_code: "INVALID_ARGUMENT" });
  });

  it("throttles after maxFailures, doubling per further failure; sessions expire", async () => {
    await createOperator(db, { name: "tess", role: "operator", password: "tess's password" }, "system");
    const t0 = Date.parse("2026-01-01T00:00:00Z");
    for (let i = 0; i < 3; i++)
      expect(await login(db, policy, { name: "tess", password: "nope", ip: "10.0.0.1" }, t0 + i)).toMatchObject({
        reason_code: "INVALID_CREDENTIALS",
      });
    // The failures were recorded with the database clock (now); measure the wait from there.
    const now = Date.now();
    expect(await throttleWait(db, policy, "tess", "10.0.0.9", now)).toBeGreaterThan(9_000);
    expect(await login(db, policy, { name: "tess", password: "tess's password", ip: "10.0.0.9" }, now)).toMatchObject({
      reason_code: "RATE_LIMITED",
    });
    const later = now + 11_000;
    const ok = await login(db, policy, { name: "tess", password: "tess's password", ip: "10.0.0.9" }, later);
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    expect(await resolveSession(db, ok.token, policy.sessionTtlMs, later + 1000)).toMatchObject({
      operator: { name: "tess", role: "operator" },
    });
    expect(await resolveSession(db, ok.token, policy.sessionTtlMs, later + 2 * 60_000)).toBeNull();
  });
});
