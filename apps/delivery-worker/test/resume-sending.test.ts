import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createDb, type Db } from "@wa/db";
import { pauseSending, sendingPause } from "@wa/messaging";
import { createTestDatabase, type TestDatabase } from "@wa/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../dist/resume-sending.js", import.meta.url));
const PHONE = "100000000000001";
let t: TestDatabase;
let db: Db;

beforeAll(async () => {
  t = await createTestDatabase();
  db = createDb(t.url, { max: 2 });
});
afterAll(async () => {
  await db.destroy();
  await t.drop();
});

function run(...args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? "", DATABASE_URL: t.url, META_PHONE_NUMBER_ID: PHONE },
  });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (out += c.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, out })));
}

it("the operator command resumes a paused number, audited with the reason; without a pause it changes nothing", async () => {
  await pauseSending(
    db,
    PHONE,
    {
      kind: "graph",
      code: 190,
      subcode: null,
      title: "Invalid OAuth access token",
      message: "",
      details: null,
      fbtraceId: null,
      httpStatus: 401,
      type: "OAuthException",
      isTransient: false,
    },
    60_000,
  );
  const r = await run("token", "replaced");
  expect(r).toMatchObject({ code: 0, out: expect.stringMatching(/sending resumed/) });
  expect(await sendingPause(db, PHONE)).toBeNull();
  const audit = await db
    .selectFrom("audit_logs")
    .select(["actor", "action", "details"])
    .where("subject_id", "=", PHONE)
    .orderBy("id")
    .execute();
  expect(audit.at(-1)).toMatchObject({
    actor: "operator",
    action: "sending.resumed",
    details: { reason: "token replaced" },
  });
  expect(await run()).toMatchObject({ code: 0, out: expect.stringMatching(/not paused/) });
});
