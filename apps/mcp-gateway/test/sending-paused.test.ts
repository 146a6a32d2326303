import { pauseSending, resumeSending } from "@wa/messaging";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupEnv, type Env, type Gateway } from "./harness.js";

// Agents are told why a number does not send (issue 14 item 9): a reason code in send answers and get_account_quality.
let env: Env;
let gw: Gateway;
const COLD = "447700900456";

beforeAll(async () => {
  env = await setupEnv();
  gw = await env.gateway();
  await gw.call("list_templates", {});
});
afterAll(async () => env?.close());

describe("a number whose sending an account-level error paused", () => {
  it("send answers and get_account_quality carry SENDING_PAUSED with the cause; the send still queues", async () => {
    const db = gw.clients.deps.db;
    const phoneId = env.base.META_PHONE_NUMBER_ID!;
    const before = await gw.call("send_template", {
      to: COLD,
      template_name: "order_update",
      variables: ["Ana", "A-1"],
    });
    expect(before.structured).toMatchObject({ status: "queued", sending_paused: null });
    expect((await gw.call("get_account_quality", {})).structured).toMatchObject({ sending_paused: null });

    await pauseSending(
      db,
      phoneId,
      {
        kind: "graph",
        code: 190,
        subcode: null,
        title: "Invalid OAuth access token",
        message: "Invalid OAuth access token",
        details: null,
        fbtraceId: null,
        httpStatus: 401,
        type: "OAuthException",
        isTransient: false,
      },
      60_000,
    );
    const r = await gw.call("send_template", { to: COLD, template_name: "order_update", variables: ["Ana", "A-2"] });
    expect(r.isError).toBe(false);
    expect(r.structured).toMatchObject({
      status: "queued",
      sending_paused: { reason_code: "SENDING_PAUSED", error_code: 190 },
    });
    expect(r.structured.note).toMatch(/paused/);
    const q = await gw.call("get_account_quality", {});
    expect(q.structured).toMatchObject({ sending_paused: { reason_code: "SENDING_PAUSED", error_code: 190 } });
    expect((q.structured.sending_paused as { human_explanation: string }).human_explanation).toMatch(
      /Queued messages wait/,
    );

    await resumeSending(db, phoneId, { actor: "operator", reason: "token replaced" });
    expect((await gw.call("get_account_quality", {})).structured).toMatchObject({ sending_paused: null });
  });
});
