import { createStateStore } from "@wa/state";
import { beforeAll, describe, expect, it } from "vitest";
import { createCompliance, loadTemplate, updateTemplate, upsertTemplates } from "../src/index.js";
import { idNumber, useEnv } from "./env.js";
import { denied, NOON_JAKARTA } from "./fixtures.js";

// Meta's templates belong to a WABA: a number sends only its own WABA's (Meta answers 132001 otherwise).
const env = useEnv();
const A = { waba: "300000000000001", number: "310000000000001" };
const B = { waba: "300000000000002", number: "310000000000002" };
const template = (waba_id: string, name: string, status = "APPROVED") => ({
  waba_id,
  name,
  locale: "en",
  category: "utility" as const,
  status,
  components: "[]",
});

beforeAll(async () => {
  await env.db
    .insertInto("phone_numbers")
    .values([
      { phone_number_id: A.number, waba_id: A.waba, display_phone_number: "+1 555 0301" },
      { phone_number_id: B.number, waba_id: B.waba, display_phone_number: "+1 555 0302" },
    ])
    .execute();
  await env.db
    .insertInto("templates")
    .values([
      template(A.waba, "a_only"),
      template(B.waba, "b_only"),
      template(A.waba, "both"),
      template(B.waba, "both", "PAUSED"),
    ])
    .execute();
});

const compliance = () =>
  createCompliance({
    db: env.db,
    state: createStateStore({ db: env.db, redis: env.redis, keyPrefix: env.prefix, now: () => NOON_JAKARTA }),
    now: () => NOON_JAKARTA,
  });
const ask = (name: string, phone_number_id?: string) => ({
  customer_id: idNumber(),
  message_type: "template" as const,
  template_name: name,
  variables: [],
  ...(phone_number_id ? { phone_number_id } : {}),
});
const consent = async (c: ReturnType<typeof compliance>, req: ReturnType<typeof ask>) => {
  const state = createStateStore({ db: env.db, redis: env.redis, keyPrefix: env.prefix, now: () => NOON_JAKARTA });
  await state.setConsent({ customerId: req.customer_id }, { utility: "granted" }, { source: "web form" });
  return c.evaluate(req);
};
/** A template as Meta lists it. */
const meta = (id: string, status: string) => ({
  id,
  name: "synced",
  language: "en",
  category: "UTILITY",
  status,
  components: [{ type: "BODY", text: "Hi" }],
  parameterFormat: null,
  qualityScore: null,
  rejectedReason: null,
  previousCategory: null,
  raw: {},
});

describe("templates per WABA", () => {
  it("a number finds its WABA's template and not another WABA's, which the refusal names", async () => {
    const c = compliance();
    expect((await consent(c, ask("a_only", A.number))).allowed).toBe(true);
    const refused = denied(await consent(c, ask("b_only", A.number)));
    expect(refused).toMatchObject({ reason_code: "TEMPLATE_NOT_FOUND", category: null });
    expect(refused.human_explanation).toContain(`in WABA ${A.waba}`);
    expect(refused.human_explanation).toContain(`WABA ${B.waba}'s`);
    expect(refused.suggested_action).toContain(`WABA ${B.waba}`);
    expect((await consent(c, ask("b_only", B.number))).allowed).toBe(true);
  });

  it("the same name in two WABAs is two templates, each with its own status", async () => {
    const c = compliance();
    expect((await consent(c, ask("both", A.number))).allowed).toBe(true);
    expect(denied(await consent(c, ask("both", B.number)))).toMatchObject({ reason_code: "TEMPLATE_NOT_APPROVED" });
  });

  it("a caller that names no number, or a number without a row, sees every WABA's templates as before", async () => {
    const c = compliance();
    expect((await consent(c, ask("b_only"))).allowed).toBe(true);
    expect((await consent(c, ask("a_only", "319999999999999"))).allowed).toBe(true);
    expect(await loadTemplate(env.db, "b_only", "en")).toMatchObject({ found: true });
    expect(await loadTemplate(env.db, "b_only", "en", A.waba)).toEqual({
      found: false,
      locales: [],
      wabaId: A.waba,
      elsewhere: [B.waba],
    });
  });

  it("a sync writes under its WABA and a webhook without a Meta id updates its WABA's row only", async () => {
    const at = new Date();
    await upsertTemplates(env.db, [meta("920000000000001", "APPROVED")], at, A.waba);
    await upsertTemplates(env.db, [meta("920000000000002", "PENDING")], at, B.waba);
    await upsertTemplates(env.db, [meta("920000000000001", "PAUSED")], at, A.waba); // the same WABA: updated
    const rows = await env.db
      .selectFrom("templates")
      .select(["waba_id", "status", "meta_id"])
      .where("name", "=", "synced")
      .orderBy("waba_id")
      .execute();
    expect(rows).toEqual([
      { waba_id: A.waba, status: "PAUSED", meta_id: "920000000000001" },
      { waba_id: B.waba, status: "PENDING", meta_id: "920000000000002" },
    ]);
    await env.db.updateTable("templates").set({ meta_id: null }).where("name", "=", "both").execute();
    const ref = { templateId: "920000000000009", templateName: "both", language: "en", wabaId: B.waba };
    expect(await updateTemplate(env.db, ref, { status: "APPROVED" }, Date.now())).toBe(true);
    const both = await env.db
      .selectFrom("templates")
      .select(["waba_id", "status", "meta_id"])
      .where("name", "=", "both")
      .orderBy("waba_id")
      .execute();
    expect(both).toEqual([
      { waba_id: A.waba, status: "APPROVED", meta_id: null },
      { waba_id: B.waba, status: "APPROVED", meta_id: "920000000000009" },
    ]);
  });
});
