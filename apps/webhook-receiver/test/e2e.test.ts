import { connectBus, type Bus } from "@wa/bus";
import { createDb, type Database, type Db } from "@wa/db";
import { startMockMeta } from "@wa/mock-meta";
import { busNames, dropStreams, TEST_NATS_URL, TEST_REDIS_URL, useTestDatabase } from "@wa/testkit";
import { type Insertable, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_SECRET, processStack, signed, statusBody, stop, VERIFY_TOKEN, waitFor } from "./support.js";

// The built processes, as deployed: the receiver (real HTTP listen) and apps/webhook-processor, talking over NATS.
const tdb = useTestDatabase();
const names = busNames();
const stack = processStack();
let db: Db;
let admin: Bus;
let base = "";
let meta: Awaited<ReturnType<typeof startMockMeta>>;

type Outbound = Insertable<Database["messages"]>;
const UNSET = [
  "phone_number_id",
  "template_name",
  "template_locale",
  "error_code",
  "error_title",
  "error_details",
  "error_explanation",
  "status_reason",
  "deliver_at",
  "campaign_id",
  "idempotency_key",
  "request_hash",
] as const;

/** A message row with what the test sets; the columns the tests leave unset are null. */
const insertOutbound = (row: Omit<Outbound, (typeof UNSET)[number]>) =>
  db
    .insertInto("messages")
    .values({ ...(Object.fromEntries(UNSET.map((c) => [c, null])) as Pick<Outbound, (typeof UNSET)[number]>), ...row })
    .returning("id")
    .executeTakeFirstOrThrow();

beforeAll(async () => {
  db = createDb(tdb.url, { max: 2 });
  admin = await connectBus({ url: TEST_NATS_URL, name: "e2e-admin" });
  base = await stack.up({
    ...names,
    DATABASE_URL: tdb.url,
    META_APP_SECRET: APP_SECRET,
    // mock-meta's one number and WABA: the processor routes every event by them
    META_PHONE_NUMBER_ID: "100000000000001",
    META_WABA_ID: "200000000000001",
  });
  meta = await startMockMeta({
    port: 0,
    appSecret: APP_SECRET,
    webhookTargetUrl: `${base}/webhook`,
    webhookDelayMs: 20,
  });
});

afterAll(async () => {
  await meta?.close();
  await stack.down();
  await dropStreams(admin.jsm, names);
  await admin.close();
  await db.destroy();
});

describe("receiver and processor processes", () => {
  it("serve the handshake, /health and /ready over a real socket", async () => {
    const v = await fetch(`${base}/webhook?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=abc123`);
    expect(v.status).toBe(200);
    expect(await v.text()).toBe("abc123");
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const unsigned = await fetch(`${base}/webhook`, {
      method: "POST",
      body: statusBody([{ id: "wamid.X", status: "sent" }]),
    });
    expect(unsigned.status).toBe(401);
  });

  it("a signed status POSTed over HTTP is applied by the processor", async () => {
    await db.insertInto("customers").values({ customer_id: "6281200001111" }).execute();
    const row = await insertOutbound({
      customer_id: "6281200001111",
      direction: "outbound",
      category: "utility",
      kind: "template",
      content: "{}",
      status: "sent",
      wamid: "wamid.E2E1",
    });
    const body = statusBody([{ id: "wamid.E2E1", status: "read", timestamp: Math.floor(Date.now() / 1000) }]);
    const res = await fetch(`${base}/webhook`, { method: "POST", ...signed(body) });
    expect(res.status).toBe(200);
    await waitFor(
      "read applied",
      async () =>
        (await db.selectFrom("messages").select("status").where("id", "=", row.id).executeTakeFirstOrThrow()).status ===
        "read",
    );
  });

  it("a 1,000-status batch in one signed POST is accepted and every status applied", async () => {
    await db.insertInto("customers").values({ customer_id: "6281200003333" }).execute();
    await sql`INSERT INTO messages (customer_id, direction, category, kind, content, status, wamid)
      SELECT '6281200003333', 'outbound', 'utility', 'template', '{}', 'sent', 'wamid.K' || g FROM generate_series(1, 1000) g`.execute(
      db,
    );
    const ts = Math.floor(Date.now() / 1000);
    const body = statusBody(
      Array.from({ length: 1000 }, (_, i) => ({ id: `wamid.K${i + 1}`, status: "delivered", timestamp: ts })),
    );
    const res = await fetch(`${base}/webhook`, { method: "POST", ...signed(body) });
    expect(res.status).toBe(200);
    await waitFor(
      "1,000 delivered",
      async () => {
        const r = await sql<{
          n: string;
        }>`SELECT count(*) AS n FROM messages WHERE wamid LIKE 'wamid.K%' AND status = 'delivered'`.execute(db);
        return Number(r.rows[0]!.n) === 1000;
      },
      30_000,
    );
  });

  it("mock-meta's signed, batched webhooks: inbound STOP and the sent/delivered/read of a reply", async () => {
    const to = "6281255556666";
    const inbound = await fetch(`${meta.url}/_mock/inbound`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ from: to, text: "Stop", name: "Rina" }),
    });
    expect(inbound.status).toBe(200);
    await waitFor("opt-out applied", async () => {
      const c = await db.selectFrom("customers").selectAll().where("customer_id", "=", to).executeTakeFirst();
      return c?.marketing_consent === "revoked" && c.display_name === "Rina";
    });
    // Our row exists before Meta knows the wamid; the webhooks find it through biz_opaque_callback_data.
    const row = await insertOutbound({
      customer_id: to,
      direction: "outbound",
      category: "service",
      kind: "text",
      content: "{}",
      status: "sending",
      wamid: null,
    });
    const sent = await fetch(`${meta.url}/v25.0/100000000000001/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer mock-token" },
      body: JSON.stringify({
        messaging_product: "whatsapp",
        to,
        type: "text",
        text: { body: "Done, you will get no more offers." },
        biz_opaque_callback_data: row.id,
      }),
    });
    expect(sent.status).toBe(200);
    const wamid = ((await sent.json()) as { messages: Array<{ id: string }> }).messages[0]!.id;
    const final = await waitFor("read applied", async () => {
      const m = await db.selectFrom("messages").selectAll().where("id", "=", row.id).executeTakeFirstOrThrow();
      return m.status === "read" ? m : null;
    });
    expect(final).toMatchObject({ wamid });
    expect(final.sent_at).not.toBeNull();
    expect(final.delivered_at).not.toBeNull();
  });

  it("with NATS unreachable the receiver answers 200 from the inbox and the event is applied after recovery", async () => {
    // A receiver pointed at a closed NATS port: its bodies go to webhook_inbox; the running processor drains them.
    const lonely = stack.start("dist/main.js", {
      ...names,
      DATABASE_URL: tdb.url,
      NATS_URL: "nats://127.0.0.1:1",
      META_APP_SECRET: APP_SECRET,
      WEBHOOK_VERIFY_TOKEN: VERIFY_TOKEN,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      REDIS_URL: TEST_REDIS_URL,
    });
    try {
      const seen = stack.output.length;
      const port = await waitFor(
        "second receiver port",
        async () => {
          const m = /"port":(\d+),"msg":"ready"/.exec(stack.output.slice(seen).join(""));
          return m ? Number(m[1]) : null;
        },
        20_000,
      );
      await db.insertInto("customers").values({ customer_id: "6281200002222" }).execute();
      const row = await insertOutbound({
        customer_id: "6281200002222",
        direction: "outbound",
        category: "utility",
        kind: "template",
        content: "{}",
        status: "sent",
        wamid: "wamid.E2E2",
      });
      const body = statusBody([{ id: "wamid.E2E2", status: "delivered", timestamp: Math.floor(Date.now() / 1000) }]);
      const res = await fetch(`http://127.0.0.1:${port}/webhook`, { method: "POST", ...signed(body) });
      expect(res.status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${port}/ready`);
      expect(ready.status).toBe(200); // it can still keep webhooks (inbox); the checks say NATS is down
      expect(await ready.json()).toMatchObject({ checks: { nats: false, postgres: true } });
      await waitFor(
        "delivered applied",
        async () =>
          (await db.selectFrom("messages").select("status").where("id", "=", row.id).executeTakeFirstOrThrow())
            .status === "delivered",
      );
      expect((await db.selectFrom("webhook_inbox").select("id").execute()).length).toBe(0);
    } finally {
      await stop(lonely);
    }
  });
});
