import { createDb, type Db } from "@wa/db";
import { useTestDatabase } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  configuredIdentity,
  createAgentKey,
  createKeyResolver,
  listAgentKeys,
  missingToolScope,
  revokeAgentKey,
} from "../src/index.js";

const database = useTestDatabase();
let db: Db;
beforeAll(() => {
  db = createDb(database.url, { max: 4 });
});
afterAll(async () => {
  await db.destroy();
});

describe("agent keys", () => {
  it("shows a key once, stores only its hash, and audits the creation with the scopes", async () => {
    const r = await createAgentKey(
      db,
      {
        name: "Sales-Bot",
        allowed_tools: ["send_template"],
        allowed_categories: ["utility"],
        marketing_daily_limit: 5,
      },
      "operator:ann",
    );
    expect(r).toMatchObject({ ok: true, name: "sales-bot" });
    if (!r.ok) return;
    expect(r.key).toMatch(/^wak_[A-Za-z0-9_-]{43}$/);
    const stored = await db.selectFrom("agent_keys").selectAll().where("id", "=", r.id).executeTakeFirstOrThrow();
    expect(stored.key_hash).not.toContain(r.key);
    expect(JSON.stringify(await listAgentKeys(db))).not.toContain(r.key);
    const audit = await db.selectFrom("audit_logs").selectAll().where("action", "=", "agent_key.created").execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: "operator:ann", subject_id: r.id });
    expect(JSON.stringify(audit[0]?.details)).not.toContain(r.key);
  });

  it("refuses bad names and scopes with a reason", async () => {
    expect(await createAgentKey(db, { name: "Bad Name!" }, "system")).toMatchObject({
      ok: false,
      reason_code: "INVALID_ARGUMENT",
    });
    expect(await createAgentKey(db, { name: "bot", allowed_categories: ["spam"] }, "system")).toMatchObject({
      ok: false,
      message: expect.stringContaining("allowed_categories"),
    });
    expect(await createAgentKey(db, { name: "bot", rate_limit_per_sec: 0 }, "system")).toMatchObject({ ok: false });
  });

  it("resolves a key from the cache until the TTL passes; a revoke takes effect after it", async () => {
    const r = await createAgentKey(db, { name: "cached", read_only: true }, "system");
    if (!r.ok) throw new Error(r.message);
    let t = 1_000_000;
    const resolver = createKeyResolver({ db, ttlMs: 5_000, now: () => t });
    const id = await resolver.resolve(r.key);
    expect(id).toMatchObject({ name: "cached", actor: "agent:cached", readOnly: true, keyId: r.id });
    expect(await resolver.resolve(`${r.key.slice(0, -1)}x`)).toBeNull();
    expect(await resolver.resolve("wat_not-an-agent-key")).toBeNull();
    expect(await revokeAgentKey(db, r.id, "operator:ann")).toBe(true);
    expect(await revokeAgentKey(db, r.id, "operator:ann")).toBe(false);
    t += 4_000;
    expect(await resolver.resolve(r.key)).not.toBeNull(); // still within the TTL
    t += 2_000;
    expect(await resolver.resolve(r.key)).toBeNull();
  });

  it("names the missing scope: read_only or the tool", () => {
    const all = configuredIdentity("");
    expect(all.actor).toBe("agent");
    expect(configuredIdentity("ops-bot").actor).toBe("agent:ops-bot");
    expect(missingToolScope(all, "send_template", false)).toBeNull();
    const ro = { ...all, readOnly: true };
    expect(missingToolScope(ro, "send_template", false)).toBe("read_only");
    expect(missingToolScope(ro, "check_compliance", true)).toBeNull();
    const some = { ...all, allowedTools: new Set(["check_compliance"]) };
    expect(missingToolScope(some, "send_template", false)).toBe("tools:send_template");
  });
});
