import { fileURLToPath } from "node:url";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDb, type Db } from "@wa/db";
import { uniqueId, useTestDatabase } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPolicies, parsePolicies, PolicyError } from "../src/index.js";

const REPO_POLICIES = fileURLToPath(new URL("../../../policies.yaml", import.meta.url));

const bad: { name: string; yaml: string; message: RegExp }[] = [
  {
    name: "deny_after not HH:MM",
    yaml: 'policies:\n  - { id: quiet, type: time_restriction, rules: { deny_after: "9pm" } }',
    message: /policy "quiet": rules\.deny_after: expected "HH:MM"/,
  },
  {
    name: "unknown zone",
    yaml: 'policies:\n  - { id: quiet, type: time_restriction, rules: { deny_after: "21:00", allow_after: "08:00", timezone: Mars/Base } }',
    message: /policy "quiet": rules\.timezone/,
  },
  {
    name: "deny_after without allow_after",
    yaml: 'policies:\n  - { id: quiet, type: time_restriction, rules: { deny_after: "21:00" } }',
    message:
      /policy "quiet": rules\.allow_after: required: the local time sending reopens.*"00:00" for quiet until midnight/,
  },
  {
    name: "same start and end",
    yaml: 'policies:\n  - { id: q, type: time_restriction, rules: { deny_after: "21:00", allow_after: "21:00" } }',
    message: /policy "q": rules\.allow_after: allow_after must differ/,
  },
  {
    name: "misspelt rule field",
    yaml: 'policies:\n  - { id: q, type: time_restriction, rules: { deny_afer: "21:00" } }',
    message: /policy "q": .*deny_afer/,
  },
  {
    name: "segment without tags",
    yaml: "policies:\n  - { id: seg, type: segment_exclusion, rules: {} }",
    message: /policy "seg": .*exclude_tag/,
  },
  {
    name: "bad tag",
    yaml: "policies:\n  - { id: seg, type: segment_exclusion, rules: { exclude_tag: VIP } }",
    message: /policy "seg": rules\.exclude_tag/,
  },
  {
    name: "negative cap",
    yaml: "policies:\n  - { id: cap, type: frequency_limit, rules: { max_per_day: -1 } }",
    message: /policy "cap": rules\.max_per_day/,
  },
  {
    name: "cap on utility",
    yaml: "policies:\n  - { id: cap, type: frequency_limit, message_type: utility, rules: { max_per_day: 3 } }",
    message: /policy "cap": message_type/,
  },
  { name: "unknown type", yaml: "policies:\n  - { id: what, type: geo_fence, rules: {} }", message: /policy "what"/ },
  {
    name: "missing id",
    yaml: "policies:\n  - { type: frequency_limit, rules: { max_per_day: 3 } }",
    message: /policy "#1": id/,
  },
  {
    name: "duplicate id",
    yaml: "policies:\n  - { id: a, type: frequency_limit, rules: { max_per_day: 3 } }\n  - { id: a, type: frequency_limit, rules: { max_per_day: 4 } }",
    message: /policy "a": duplicate id/,
  },
  {
    name: "a link domain with a scheme",
    yaml: "policies:\n  - { id: links, type: media_link_domains, rules: { allowed_domains: ['https://cdn.example.com'] } }",
    message: /policy "links": rules\.allowed_domains\.0: domains are lower-case host names/,
  },
  {
    name: "no link domains",
    yaml: "policies:\n  - { id: links, type: media_link_domains, rules: { allowed_domains: [] } }",
    message: /policy "links": rules\.allowed_domains/,
  },
  { name: "not a list", yaml: "policies: {}", message: /"policies" must be a list/ },
  { name: "broken YAML", yaml: "policies:\n  - id: [", message: /invalid YAML/ },
];

describe("parsePolicies", () => {
  it.each(bad)("rejects $name, naming the policy", ({ yaml, message }) => {
    expect(() => parsePolicies(yaml, "test.yaml")).toThrow(PolicyError);
    expect(() => parsePolicies(yaml, "test.yaml")).toThrow(message);
  });

  it("reports every bad policy at once", () => {
    const yaml =
      'policies:\n  - { id: a, type: frequency_limit, rules: {} }\n  - { id: ok, type: frequency_limit, rules: { max_per_day: 1 } }\n  - { id: b, type: time_restriction, rules: { deny_after: "25:00" } }';
    try {
      parsePolicies(yaml, "f.yaml");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PolicyError);
      expect((err as PolicyError).policyIds).toEqual(["a", "b"]);
      expect((err as PolicyError).code).toBe("INVALID_ARGUMENT");
    }
  });

  it("applies defaults and keeps unquoted times as text (YAML 1.2)", () => {
    const [p] = parsePolicies(
      "policies:\n  - id: quiet\n    type: time_restriction\n    rules: { deny_after: 21:00, allow_after: 00:00 }\n",
    );
    expect(p).toEqual({
      id: "quiet",
      name: "quiet",
      type: "time_restriction",
      channel: "whatsapp",
      message_type: "all",
      enabled: true,
      rules: { deny_after: "21:00", allow_after: "00:00", timezone: "recipient" },
    });
  });

  it("accepts the repository's default policies.yaml", async () => {
    const { readFile } = await import("node:fs/promises");
    const policies = parsePolicies(await readFile(REPO_POLICIES, "utf8"), "policies.yaml");
    expect(policies.map((p) => [p.id, p.type, p.message_type, p.enabled])).toEqual([
      ["marketing_quiet_hours", "time_restriction", "marketing", true],
      ["marketing_daily_cap", "frequency_limit", "marketing", true],
      ["no_marketing_to_do_not_contact", "segment_exclusion", "marketing", false],
      ["media_links_own_domains", "media_link_domains", "service", false],
    ]);
  });
});

describe("loadPolicies", () => {
  const database = useTestDatabase();
  let db: Db;
  beforeAll(() => {
    db = createDb(database.url, { max: 2 });
  });
  afterAll(async () => db.destroy());

  it("upserts idempotently, audits only real changes, and fails the start on a malformed file", async () => {
    expect(await loadPolicies(db, REPO_POLICIES)).toHaveLength(4);
    const first = await db.selectFrom("policies").selectAll().orderBy("id").execute();
    expect(first.map((r) => r.id)).toEqual([
      "marketing_daily_cap",
      "marketing_quiet_hours",
      "media_links_own_domains",
      "no_marketing_to_do_not_contact",
    ]);
    expect(first.find((r) => r.id === "marketing_quiet_hours")?.rules).toEqual({
      deny_after: "21:00",
      allow_after: "08:00",
      timezone: "recipient",
      default_timezone: "UTC",
    });

    await loadPolicies(db, REPO_POLICIES);
    const second = await db.selectFrom("policies").selectAll().orderBy("id").execute();
    expect(second.map((r) => r.updated_at.getTime())).toEqual(first.map((r) => r.updated_at.getTime()));
    const audits = () =>
      db.selectFrom("audit_logs").select("subject_id").where("action", "=", "policy.upserted").execute();
    expect(await audits()).toHaveLength(4);

    const file = join(tmpdir(), `${uniqueId("policies")}.yaml`);
    await writeFile(
      file,
      "policies:\n  - { id: marketing_daily_cap, type: frequency_limit, message_type: marketing, rules: { max_per_day: 3 } }\n",
    );
    await loadPolicies(db, file);
    expect(
      (
        await db
          .selectFrom("policies")
          .select("rules")
          .where("id", "=", "marketing_daily_cap")
          .executeTakeFirstOrThrow()
      ).rules,
    ).toEqual({ max_per_day: 3 });
    expect(await audits()).toHaveLength(5);

    await writeFile(
      file,
      'policies:\n  - { id: marketing_daily_cap, type: frequency_limit, rules: { max_per_day: "two" } }\n',
    );
    await expect(loadPolicies(db, file)).rejects.toThrow(/policy "marketing_daily_cap": rules\.max_per_day/);
    await expect(loadPolicies(db, join(tmpdir(), "missing-policies.yaml"))).rejects.toThrow(/cannot be read/);
  });

  it("disables a policy removed from the file (audited, kept in the table) and enables it again when it comes back", async () => {
    await loadPolicies(db, REPO_POLICIES);
    const disabledAudits = () =>
      db
        .selectFrom("audit_logs")
        .select(["subject_id", "details"])
        .where("action", "=", "policy.disabled")
        .orderBy("id")
        .execute();
    const before = (await disabledAudits()).length;
    const file = join(tmpdir(), `${uniqueId("policies")}.yaml`);
    await writeFile(
      file,
      "policies:\n  - { id: marketing_daily_cap, type: frequency_limit, message_type: marketing, rules: { max_per_day: 2 } }\n",
    );
    await loadPolicies(db, file);
    const enabled = async () =>
      (await db.selectFrom("policies").select(["id", "enabled"]).orderBy("id").execute()).map((r) => [r.id, r.enabled]);
    expect(await enabled()).toEqual([
      ["marketing_daily_cap", true],
      ["marketing_quiet_hours", false],
      ["media_links_own_domains", false],
      ["no_marketing_to_do_not_contact", false],
    ]);
    const disabled = (await disabledAudits()).slice(before);
    expect(disabled.map((a) => a.subject_id)).toEqual(["marketing_quiet_hours"]); // the other one was already disabled
    expect(disabled[0]?.details).toMatchObject({ file, reason: "not in the policies file" });

    await loadPolicies(db, file); // idempotent: nothing more to disable
    expect(await disabledAudits()).toHaveLength(before + 1);
    await writeFile(file, "policies: []\n");
    await loadPolicies(db, file);
    expect((await enabled()).filter(([, on]) => on)).toEqual([]);
    await loadPolicies(db, REPO_POLICIES);
    expect(await enabled()).toEqual([
      ["marketing_daily_cap", true],
      ["marketing_quiet_hours", true],
      ["media_links_own_domains", false],
      ["no_marketing_to_do_not_contact", false],
    ]);
  });
});
