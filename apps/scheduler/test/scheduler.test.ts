import { busSubjects, connectBus, ensureTopology, type Bus } from "@wa/bus";
import { createDb, type Db } from "@wa/db";
import {
  busNames,
  createTestDatabase,
  dropStreams,
  redisPrefix,
  TEST_NATS_URL,
  TEST_REDIS_URL,
  type TestDatabase,
} from "@wa/testkit";
import { DEFAULT_WABA_ID, SEED_TEMPLATES, startMockMeta, type RunningMockMeta } from "@wa/mock-meta";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { phone, spawnScheduler, waitFor, type Proc } from "./support.js";

let t: TestDatabase;
let db: Db;
let bus: Bus;
let app: Proc;
let meta: RunningMockMeta;
const names = busNames();
const seen = new Set<string>();

async function scheduled(n: number, deliverAt: Date, status: "scheduled" | "queued" = "scheduled"): Promise<string[]> {
  const tos = Array.from({ length: n }, () => phone());
  await db
    .insertInto("customers")
    .values(tos.map((to) => ({ customer_id: to, phone: to })))
    .execute();
  const rows = await db
    .insertInto("messages")
    .values(
      tos.map((to) => ({
        customer_id: to,
        direction: "outbound" as const,
        category: "utility" as const,
        kind: "template",
        status,
        content: JSON.stringify({
          type: "template",
          template_name: "order_update",
          locale: "en",
          variables: ["Ann", "A-1"],
        }),
        template_name: "order_update",
        template_locale: "en",
        deliver_at: status === "scheduled" ? deliverAt : null,
        queued_at: status === "queued" ? new Date() : null,
      })),
    )
    .returning("id")
    .execute();
  return rows.map((r) => r.id);
}

beforeAll(async () => {
  t = await createTestDatabase();
  db = createDb(t.url, { max: 5 });
  await db
    .insertInto("templates")
    .values({
      name: "order_update",
      locale: "en",
      category: "utility",
      status: "APPROVED",
      parameter_count: 2,
      components: "[]",
    })
    .execute();
  meta = await startMockMeta({ port: 0 });
  bus = await connectBus({ url: TEST_NATS_URL, name: "scheduler-test" });
  await ensureTopology(bus.jsm, names);
  bus.nc.subscribe(busSubjects(names).outbound, {
    callback: (_e, m) =>
      void seen.add((JSON.parse(new TextDecoder().decode(m.data)) as { message_id: string }).message_id),
  });
  app = spawnScheduler({
    DATABASE_URL: t.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: redisPrefix(),
    NATS_URL: TEST_NATS_URL,
    ...names,
    META_API_BASE_URL: meta.url,
    META_ACCESS_TOKEN: "mock-token",
    META_WABA_ID: DEFAULT_WABA_ID,
    OPS_PORT: "0",
    LOG_LEVEL: "warn",
    STUCK_QUEUED_SECS: "1",
    RECONCILE_EVERY_MS: "200",
  });
});

afterAll(async () => {
  if (app.proc.exitCode === null) app.proc.kill("SIGKILL");
  await dropStreams(bus.jsm, names);
  await bus.close();
  await meta.close();
  await db.destroy();
  await t.drop();
});

describe("apps/scheduler (node dist/main.js)", () => {
  // How late (p99 ≤ 1 s) is measured by `pnpm bench scheduler`, not asserted here: a loaded machine is not a clock.
  it("dispatches 200 messages due in the same second, each once, none before deliver_at", async () => {
    const due = new Date(Date.now() + 1500);
    const ids = await scheduled(200, due);
    await waitFor("all published", async () => ids.every((id) => seen.has(id)), 15_000).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${app.output()}`);
    });
    const rows = await db.selectFrom("messages").select(["status", "queued_at"]).where("id", "in", ids).execute();
    expect(rows.every((r) => r.status === "queued")).toBe(true);
    const late = Math.max(...rows.map((r) => r.queued_at!.getTime() - due.getTime()));
    expect(late).toBeGreaterThanOrEqual(0);
    const audits = await sql<{
      n: string;
    }>`SELECT count(*) AS n FROM audit_logs WHERE action = 'message.dispatched' AND subject_id = ANY(${ids})`.execute(
      db,
    );
    expect(Number(audits.rows[0]!.n)).toBe(200);
  });

  it("republishes a queued row whose publish was lost (NATS was down at enqueue)", async () => {
    // What delivery workers would have done meanwhile: everything queued so far is sent, the stream empty.
    await db
      .updateTable("messages")
      .set({ status: "sent", sent_at: new Date() })
      .where("status", "=", "queued")
      .execute();
    await bus.jsm.streams.purge(names.DELIVERY_STREAM);
    const [id] = await scheduled(1, new Date(), "queued");
    await waitFor("republished", async () => seen.has(id!), 10_000);
  });

  it("publishes the trigger of a due campaign and leaves its status to the campaign worker", async () => {
    const c = await db
      .insertInto("campaigns")
      .values({
        name: "due",
        type: "utility",
        template_name: "order_update",
        variables: JSON.stringify(["a", "b"]),
        audience_filter: "{}",
        scheduled_at: new Date(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await waitFor(
      "trigger",
      async () => Number((await bus.jsm.streams.info(names.CAMPAIGN_STREAM)).state.messages) === 1,
      10_000,
    );
    expect(
      (await db.selectFrom("campaigns").select("status").where("id", "=", c.id).executeTakeFirstOrThrow()).status,
    ).toBe("scheduled");
  });

  it("syncs the templates from Meta at start, under its claim in template_sync_state", async () => {
    const state = () => db.selectFrom("template_sync_state").selectAll().executeTakeFirstOrThrow();
    await waitFor("template sync", async () => (await state()).synced_at !== null, 10_000);
    expect(await state()).toMatchObject({ claimed_by: expect.stringMatching(/:\d+$/), problem: null });
    const rows = await db.selectFrom("templates").select(["name", "locale", "status"]).execute();
    expect(rows.map((r) => `${r.name}:${r.locale}:${r.status}`).toSorted()).toEqual(
      SEED_TEMPLATES.map((s) => `${s.name}:${s.language}:${s.status}`).toSorted(),
    );
  });

  it("exits 0 on SIGTERM", async () => {
    app.proc.kill("SIGTERM");
    expect(await app.exited).toBe(0);
  });
});
