import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "@wa/db";
import { setupEnv, type Env, type Gateway } from "./harness.js";

// schedule_message evaluates quiet hours against deliver_at and says when the message will really go (issue 14 item 7).
let env: Env;
let gw: Gateway;
const UK = "447700900777"; // Europe/London, marketing granted

const tomorrowUtc = (h: number, m: number) => {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1, h, m)).toISOString();
};
const londonHour = (iso: string) =>
  Number(
    new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/London", hour: "2-digit", hour12: false }).format(
      new Date(iso),
    ),
  );

beforeAll(async () => {
  env = await setupEnv();
  const db = createDb(env.db.url, { max: 1 });
  try {
    await db
      .insertInto("policies")
      .values({
        id: "quiet",
        name: "Quiet hours",
        type: "time_restriction",
        message_type: "marketing",
        rules: JSON.stringify({ deny_after: "21:00", allow_after: "08:00", timezone: "recipient" }),
      })
      .execute();
  } finally {
    await db.destroy();
  }
  gw = await env.gateway();
  await gw.call("list_templates", {});
  await gw.clients.deps.state.setConsent({ customerId: UK }, { marketing: "granted" }, { source: "test" });
});
afterAll(async () => env?.close());

const offer = { type: "template", template_name: "welcome_offer", variables: ["Ana"] };

describe("schedule_message looks at deliver_at, not now", () => {
  it("a deliver_at in the recipient's quiet hours: scheduled, and says it goes when they end", async () => {
    const deliverAt = tomorrowUtc(22, 30); // 22:30 GMT or 23:30 BST: quiet in London either way
    const r = await gw.call("schedule_message", {
      customer_id: UK,
      message_type: "marketing",
      content: offer,
      deliver_at: deliverAt,
    });
    expect(r.isError).toBe(false);
    expect(r.structured).toMatchObject({
      status: "scheduled",
      deliver_at: deliverAt,
      held_by: { reason_code: "POLICY_RESTRICTION" },
    });
    const goes = r.structured.expected_send_at as string;
    expect(Date.parse(goes)).toBeGreaterThan(Date.parse(deliverAt));
    expect(Date.parse(goes) - Date.parse(deliverAt)).toBeLessThan(12 * 3_600_000);
    expect(londonHour(goes)).toBe(8);
  });

  it("a deliver_at outside quiet hours goes at deliver_at", async () => {
    const deliverAt = tomorrowUtc(12, 0);
    const r = await gw.call("schedule_message", {
      customer_id: UK,
      message_type: "marketing",
      content: offer,
      deliver_at: deliverAt,
    });
    expect(r.structured).toMatchObject({ status: "scheduled", expected_send_at: deliverAt });
    expect(r.structured.held_by).toBeUndefined();
  });
});
