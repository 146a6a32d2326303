// Issue 22 item 1: every signed body ends applied or dead-lettered with its raw bytes, whatever it holds.
import { randomBytes } from "node:crypto";
import { useTestDatabase } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envelope, type Harness, harness, inboundBody, PHONE_ID } from "./support.js";

const tdb = useTestDatabase();
let h: Harness;
beforeAll(() => void (h = harness(tdb.url)));
afterAll(() => h.close());

const ts = () => Math.floor(Date.now() / 1000) - 60;
const message = (wamid: string) =>
  h.db.selectFrom("messages").selectAll().where("wamid", "=", wamid).executeTakeFirst();
const deadBodies = (body: string) =>
  h.db
    .selectFrom("webhook_dead_letters")
    .innerJoin("webhook_dead_bodies", "webhook_dead_bodies.body_sha256", "webhook_dead_letters.body_sha256")
    .select(["webhook_dead_letters.kind", "webhook_dead_letters.error", "webhook_dead_bodies.body"])
    .where("webhook_dead_bodies.body", "=", Buffer.from(body, "utf8"))
    .execute();
const sanitizedAudits = (wamid: string) =>
  h.db
    .selectFrom("audit_logs")
    .select("details")
    .where("action", "=", "webhook.sanitized")
    .where("subject_id", "=", `msg:${wamid}`)
    .execute();

describe("hostile signed bodies", () => {
  it.each([
    ["a NUL", "stop\u0000now", "stop\uFFFDnow"],
    ["a lone high surrogate", "a\ud800b", "a\uFFFDb"],
    ["a lone low surrogate", "a\udfffb", "a\uFFFDb"],
  ])("inbound text with %s is applied, the value replaced and the change noted", async (_what, text, stored) => {
    const wamid = `wamid.H${Math.random().toString(36).slice(2)}`;
    const body = inboundBody([{ from: "6281300000001", id: wamid, ts: ts(), text }]);
    expect(body).toMatch(/\\u(0000|d800|dfff)/); // the escape as Meta would send it
    const r = await h.processor.processBody(body);
    expect(r).toMatchObject({ pending: 0, outcomes: { applied: 1, failed: 0 } });
    const row = await message(wamid);
    expect(row?.content).toMatchObject({ text: stored, sanitized: ["text.body"] });
    expect(await sanitizedAudits(wamid)).toEqual([
      { details: expect.objectContaining({ kind: "message", paths: ["text.body"] }) },
    ]);
  });

  it("a 10,000-level nested referral: the message is applied with the referral cut at 32 levels", async () => {
    const wamid = "wamid.DEEPREF";
    // Written as text: JSON.stringify itself cannot go that deep.
    const referral = `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`;
    const body = inboundBody([
      { from: "6281300000002", id: wamid, ts: ts(), text: "hi", extra: { referral: "REF" } },
    ]).replace('"REF"', referral);
    const r = await h.processor.processBody(body);
    expect(r).toMatchObject({ pending: 0, outcomes: { applied: 1 } });
    const row = await message(wamid);
    expect(JSON.stringify(row?.content)).toContain("[removed: nested deeper than 32 levels]");
    expect((row!.content as { sanitized: string[] }).sanitized[0]).toMatch(/^referral\.a\.a/);
  });

  it.each([10_000, 100_000])("%i-level nested arrays in entry: parked with the body's raw bytes", async (depth) => {
    const body = `{"object":"whatsapp_business_account","entry":[${"[".repeat(depth)}${"]".repeat(depth)}]}`;
    const r = await h.processor.processBody(body);
    expect(r).toMatchObject({ pending: 0, outcomes: { parked: 1 } });
    expect(await deadBodies(body)).toEqual([
      { kind: "unknown", error: "entry is not an object", body: Buffer.from(body) },
    ]);
    expect((await h.processor.processBody(body)).outcomes.duplicate).toBe(1); // redelivered: already parked
  });

  it("a body whose bytes are not JSON is parked with them", async () => {
    const body = '{"object":"whatsapp_business_account","entry":[{"id":"1",';
    expect((await h.processor.processBody(body)).outcomes.parked).toBe(1);
    expect(await deadBodies(body)).toEqual([
      { kind: "body", error: expect.stringMatching(/^body is not JSON/), body: Buffer.from(body) },
    ]);
  });

  it("an event Postgres refuses by logic (a 100 kB wamid) is retried, then parked with the bytes", async () => {
    const wamid = `wamid.${randomBytes(50_000).toString("hex")}`; // random: TOAST cannot shrink it into an index entry
    const body = inboundBody([{ from: "6281300000003", id: wamid, ts: ts(), text: "hi" }]);
    expect((await h.processor.processBody(body)).outcomes).toMatchObject({ failed: 1, parked: 0 });
    expect((await h.processor.processBody(body, { final: true })).outcomes).toMatchObject({ failed: 0, parked: 1 });
    expect(await deadBodies(body)).toEqual([
      { kind: "message", error: "apply failed on every retry", body: Buffer.from(body) },
    ]);
  });

  it("a status whose error details hold a NUL is applied and noted", async () => {
    await h.db.insertInto("customers").values({ customer_id: "6281300000004" }).execute();
    await h.db
      .insertInto("messages")
      .values({
        customer_id: "6281300000004",
        direction: "outbound",
        category: "utility",
        kind: "text",
        content: "{}",
        status: "sent",
        wamid: "wamid.NULERR",
        phone_number_id: PHONE_ID,
        campaign_id: null,
        template_name: null,
        template_locale: null,
        error_code: null,
        error_title: null,
        error_details: null,
        error_explanation: null,
        status_reason: null,
        deliver_at: null,
        idempotency_key: null,
        request_hash: null,
      })
      .execute();
    const body = envelope("messages", {
      messaging_product: "whatsapp",
      metadata: { phone_number_id: PHONE_ID },
      statuses: [
        {
          id: "wamid.NULERR",
          status: "failed",
          timestamp: String(ts()),
          recipient_id: "6281300000004",
          errors: [{ code: 131026, title: "x\u0000y" }],
        },
      ],
    });
    expect((await h.processor.processBody(body)).outcomes.applied).toBe(1);
    expect(await message("wamid.NULERR")).toMatchObject({ status: "failed", error_title: "x\uFFFDy" });
  });
});
