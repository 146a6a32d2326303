import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDb, type Db } from "@wa/db";
import { useTestDatabase } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountsError, openAccounts, parseAccounts, singleNumberAccounts, syncAccounts } from "../src/index.js";

const database = useTestDatabase();
let db: Db;
beforeAll(() => {
  db = createDb(database.url);
});
afterAll(async () => {
  await db.destroy();
});

const TWO_BUSINESSES = `
businesses:
  - id: acme
    name: Acme
    wabas:
      - id: "100"
        token: { env: ACME_TOKEN }
        app_secret: { env: ACME_SECRET }
        numbers:
          - { id: "1001", display: "+1 555 0101", default: true }
          - { id: "1002", display: "+1 555 0102", throughput_mps: 1000 }
  - id: globex
    wabas:
      - id: 200
        token: { file: globex-token }
        app_secret: { env: GLOBEX_SECRET }
        numbers:
          - id: 2001
`;

describe("accounts.yaml", () => {
  it("accepts the repository's accounts.example.yaml", () => {
    const example = readFileSync(new URL("../../../accounts.example.yaml", import.meta.url), "utf8");
    expect(parseAccounts(example).businesses.map((b) => b.id)).toEqual(["acme", "globex"]);
  });

  it("parses businesses → WABAs → numbers; ids may be unquoted", () => {
    const spec = parseAccounts(TWO_BUSINESSES);
    expect(spec.businesses.map((b) => b.id)).toEqual(["acme", "globex"]);
    expect(spec.businesses[1]!.wabas[0]!.id).toBe("200");
    expect(spec.businesses[1]!.wabas[0]!.numbers[0]!.id).toBe("2001");
  });

  it("names every problem with its path, and nothing else", () => {
    const bad = `
businesses:
  - id: Acme!
    wabas:
      - id: "100"
        token: { value: "EAAG-secret-in-the-file" }
        app_secret: { env: S }
        numbers: [{ id: "1", default: true }, { id: "1", default: true }]
`;
    let err: unknown;
    try {
      parseAccounts(bad, "accounts.yaml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AccountsError);
    const msg = (err as Error).message;
    expect(msg).toContain("businesses.0.id: expected lower-case letters");
    expect(msg).toContain("businesses.0.wabas.0.token");
    expect(msg).not.toContain("EAAG-secret-in-the-file");
    const dup = `
businesses:
  - id: a
    wabas: [{ id: "1", token: { env: T }, app_secret: { env: S }, numbers: [{ id: "9", default: true }, { id: "9" }] }]
  - id: b
    default: true
    wabas: [{ id: "2", token: { env: T }, app_secret: { env: S }, numbers: [{ id: "8", default: true }] }]
`;
    expect(() => parseAccounts(dup)).toThrow(/number 9 is already listed at businesses\.0\.wabas\.0\.numbers\.0/);
    expect(() => parseAccounts(dup)).toThrow(/only one may be default \(9, 8\)/);
    expect(() => parseAccounts("businesses: [")).toThrow(/invalid YAML/);
  });
});

describe("syncAccounts and the registry", () => {
  it("gives the default business the channel whatsapp and every other its own; stable across restarts", async () => {
    const spec = parseAccounts(TWO_BUSINESSES);
    const first = await syncAccounts(db, spec);
    expect(Object.fromEntries(first)).toEqual({ acme: "whatsapp", globex: "whatsapp:globex" });
    const second = await syncAccounts(db, spec); // idempotent, as every app syncs at start
    expect(second).toEqual(first);
    const numbers = await db.selectFrom("phone_numbers").selectAll().orderBy("phone_number_id").execute();
    expect(numbers.map((n) => [n.phone_number_id, n.waba_id, n.is_default, n.throughput_mps])).toEqual([
      ["1001", "100", true, 80],
      ["1002", "100", false, 1000],
      ["2001", "200", false, 80],
    ]);
    // a number dropped from the file is kept, inactive
    const without = parseAccounts(TWO_BUSINESSES.replace(/\s+- \{ id: "1002".*\n/, "\n"));
    await syncAccounts(db, without);
    const dropped = await db
      .selectFrom("phone_numbers")
      .select("active")
      .where("phone_number_id", "=", "1002")
      .executeTakeFirstOrThrow();
    expect(dropped.active).toBe(false);
    await syncAccounts(db, spec);
  });

  it("resolves numbers by id or display number, reads secrets from env or file and never exposes them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wa-accounts-"));
    writeFileSync(join(dir, "accounts.yaml"), TWO_BUSINESSES);
    writeFileSync(join(dir, "globex-token"), "globex-token-value\n");
    const env = { ACME_TOKEN: "acme-token-value", ACME_SECRET: "acme-secret", GLOBEX_SECRET: "globex-secret" };
    const single = { META_PHONE_NUMBER_ID: "1", META_WABA_ID: "1" };
    const accounts = await openAccounts({ db, file: join(dir, "accounts.yaml"), single, env, withSecrets: true });
    expect(accounts.defaultNumber).toMatchObject({ phoneNumberId: "1001", channel: "whatsapp", businessId: "acme" });
    expect(accounts.resolve(undefined)?.phoneNumberId).toBe("1001");
    expect(accounts.resolve("+1 (555) 0102")?.phoneNumberId).toBe("1002");
    expect(accounts.resolve("2001")).toMatchObject({ wabaId: "200", channel: "whatsapp:globex" });
    expect(accounts.resolve("999")).toBeUndefined();
    expect(accounts.numbersOfWaba("100").map((n) => n.phoneNumberId)).toEqual(["1001", "1002"]);
    expect(accounts.secrets("200")).toEqual({ token: "globex-token-value", appSecret: "globex-secret" });
    expect(accounts.appSecrets()).toEqual(["acme-secret", "globex-secret"]);
    const printed = JSON.stringify(accounts) + JSON.stringify(accounts.numbers);
    for (const secret of Object.values(env)) expect(printed).not.toContain(secret);
    await expect(
      openAccounts({ db, file: join(dir, "accounts.yaml"), single, env: {}, withSecrets: true }),
    ).rejects.toThrow("WABA 100 token: environment variable ACME_TOKEN is not set");
    // tokens only (apps that call Meta but never check a signature): no app secret is needed or kept
    const tokensOnly = await openAccounts({
      db,
      file: join(dir, "accounts.yaml"),
      single,
      env: { ACME_TOKEN: "acme-token-value" },
      withSecrets: "tokens",
    });
    expect(tokensOnly.token("200")).toBe("globex-token-value");
    expect(() => tokensOnly.secrets("200")).toThrow("no secrets loaded for WABA 200");
    expect(tokensOnly.appSecrets()).toEqual([]);
    // without secrets (apps that never call Meta), no variable is needed
    expect((await openAccounts({ db, file: join(dir, "accounts.yaml"), single, env: {} })).numbers).toHaveLength(3);
  });

  it("without a file, the META_* variables are the one default account", () => {
    const spec = singleNumberAccounts({ META_PHONE_NUMBER_ID: "555", META_WABA_ID: "777" });
    expect(spec.businesses).toHaveLength(1);
    expect(spec.businesses[0]).toMatchObject({ id: "default", default: true });
    expect(spec.businesses[0]!.wabas[0]).toMatchObject({ id: "777", token: { env: "META_ACCESS_TOKEN" } });
  });
});
