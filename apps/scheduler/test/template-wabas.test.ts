// Templates per WABA (issue 15): the scheduler's sync reads every WABA of accounts.yaml with that WABA's own token
// (mock-meta: a token sees only its WABA's templates) and writes each under its waba_id.
import { createDb, type Db } from "@wa/db";
import { type RunningMockMeta, SEED_TEMPLATES, startMockMeta } from "@wa/mock-meta";
import {
  busNames,
  createTestDatabase,
  TEST_NATS_URL,
  TEST_REDIS_URL,
  redisPrefix,
  type TestDatabase,
  TWO_BUSINESSES,
  twoBusinessesOnMockMeta,
  writeTwoBusinesses,
} from "@wa/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { spawnScheduler, waitFor, type Proc } from "./support.js";

const { WX, WY } = TWO_BUSINESSES;
const seed = (name: string, id: string) => ({ ...SEED_TEMPLATES[0]!, id, name });
let t: TestDatabase;
let db: Db;
let meta: RunningMockMeta;
let app: Proc;

beforeAll(async () => {
  t = await createTestDatabase();
  db = createDb(t.url, { max: 3 });
  const [x, y] = twoBusinessesOnMockMeta();
  meta = await startMockMeta({
    port: 0,
    accounts: [
      { ...x, templates: [seed("x_welcome", "810000000000001"), seed("shared", "810000000000002")] },
      { ...y, templates: [seed("y_welcome", "820000000000001"), seed("shared", "820000000000002")] },
    ],
  });
  app = spawnScheduler({
    DATABASE_URL: t.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: redisPrefix(),
    NATS_URL: TEST_NATS_URL,
    ...busNames(),
    META_API_BASE_URL: meta.url,
    ACCOUNTS_FILE: writeTwoBusinesses(),
    X_TOKEN: TWO_BUSINESSES.env.X_TOKEN,
    Y_TOKEN: TWO_BUSINESSES.env.Y_TOKEN, // no app secrets: the scheduler reads tokens alone
    OPS_PORT: "0",
    LOG_LEVEL: "warn",
  });
});

afterAll(async () => {
  if (app.proc.exitCode === null) app.proc.kill("SIGKILL");
  await meta.close();
  await db.destroy();
  await t.drop();
});

it("syncs each WABA's templates with its own token, under its waba_id", async () => {
  const state = () => db.selectFrom("template_sync_state").selectAll().executeTakeFirstOrThrow();
  await waitFor("template sync", async () => (await state()).synced_at !== null, 15_000).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${app.output()}`);
  });
  expect(await state()).toMatchObject({ problem: null, synced_count: 4 });
  const rows = await db.selectFrom("templates").select(["waba_id", "name", "meta_id"]).execute();
  expect(rows.map((r) => `${r.waba_id}:${r.name}:${r.meta_id}`).toSorted()).toEqual(
    [
      `${WX}:shared:810000000000002`,
      `${WX}:x_welcome:810000000000001`,
      `${WY}:shared:820000000000002`,
      `${WY}:y_welcome:820000000000001`,
    ].toSorted(),
  );
  // every call used the WABA's own token: none was refused as another account's object
  const stats = (await (await fetch(`${meta.url}/_mock/stats`)).json()) as { rejected?: number };
  expect(stats.rejected ?? 0).toBe(0);
});
