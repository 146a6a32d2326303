import { COMPLIANCE_DEFAULTS } from "@wa/config";
import { createStateStore } from "@wa/state";
import { beforeAll, describe, expect, it } from "vitest";
import { createCompliance, updateTemplate } from "../src/index.js";
import { idNumber, useEnv } from "./env.js";
import { denied, NOON_JAKARTA } from "./fixtures.js";

const env = useEnv();
const CHECK_MS = COMPLIANCE_DEFAULTS.templateCheckMs;
const REF = { templateId: "910000000000001", templateName: "restock_alert", language: "en" };

beforeAll(async () => {
  await env.db
    .insertInto("templates")
    .values({
      name: "restock_alert",
      locale: "en",
      category: "utility",
      status: "APPROVED",
      parameter_count: 1,
      components: "[]",
    })
    .execute();
});

describe("a template change made by another process reaches this one within templateCheckMs", () => {
  it("Meta's pause and reinstatement (webhook processor's writes) without an invalidation call", async () => {
    const tick = { t: 0 };
    const state = createStateStore({ db: env.db, redis: env.redis, keyPrefix: env.prefix, now: () => NOON_JAKARTA });
    const compliance = createCompliance({ db: env.db, state, now: () => NOON_JAKARTA, monotonic: () => tick.t });
    const id = idNumber();
    await state.setConsent({ customerId: id }, { utility: "granted" }, { source: "web form" });
    const req = {
      customer_id: id,
      message_type: "template" as const,
      template_name: "restock_alert",
      variables: ["A"],
    };
    expect((await compliance.evaluate(req)).allowed).toBe(true); // cached, and the table's state seen

    await updateTemplate(env.db, REF, { status: "PAUSED" }, Date.now());
    tick.t += CHECK_MS - 1;
    expect((await compliance.evaluate(req)).allowed).toBe(true); // still the cached row: no read per decision
    tick.t += 1;
    expect(denied(await compliance.evaluate(req))).toMatchObject({
      reason_code: "TEMPLATE_NOT_APPROVED",
      template_status: "PAUSED",
    });

    await updateTemplate(env.db, REF, { status: "APPROVED" }, Date.now());
    tick.t += CHECK_MS;
    expect((await compliance.evaluate(req)).allowed).toBe(true);
  });
});
