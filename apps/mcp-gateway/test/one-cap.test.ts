// One send path, one cap (issue 13): concurrent agent sends through the real MCP tool, and a campaign's fan-out
// through @wa/messaging's batch form, all reserve slots under the same customer lock.
import { runFanOut, sendThroughMessaging, type TierSource } from "@wa/campaigns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupEnv, type Env, type Gateway } from "./harness.js";

let env: Env;
let gw: Gateway;
const unlimited: TierSource = async () => ({ name: "TIER_UNLIMITED", limit: Number.POSITIVE_INFINITY });
const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

beforeAll(async () => {
  env = await setupEnv();
  gw = await env.gateway(); // MARKETING_DAILY_CAP defaults to 2
});
afterAll(async () => env?.close());

async function fan(customerId: string, tags: string[] = []): Promise<void> {
  const { state } = gw.clients.deps;
  await state.upsertCustomer({ customerId });
  await state.setConsent({ customerId }, { marketing: "granted" }, { source: "test" });
  if (tags.length) await state.updateTags({ customerId }, { add: tags });
  await gw.clients.deps.db
    .updateTable("customers")
    .set({ timezone: "UTC" })
    .where("customer_id", "=", customerId)
    .execute();
}
const capHolders = async (customerId: string) =>
  (
    await gw.clients.deps.db
      .selectFrom("messages")
      .select("id")
      .where("customer_id", "=", customerId)
      .where("counts_toward_cap", "=", true)
      .execute()
  ).length;
const send = (to: string) => gw.call("send_template", { to, template_name: "welcome_offer", variables: ["Ana"] });

describe("one marketing cap for every sender", () => {
  it("50 concurrent marketing send_template calls to one customer with a cap of 2 queue exactly 2", async () => {
    const to = "447700955001";
    await fan(to);
    const results = await Promise.all(Array.from({ length: 50 }, () => send(`+${to}`)));
    const queued = results.filter((r) => !r.isError);
    expect(queued.map((r) => r.structured.status)).toEqual(["queued", "queued"]);
    expect(results.filter((r) => r.isError).map((r) => r.structured.reason_code)).toEqual(
      Array.from({ length: 48 }, () => "FREQUENCY_CAP_EXCEEDED"),
    );
    expect(await capHolders(to)).toBe(2);
  });

  it("an agent send and a campaign send to the same customer share that one cap exactly", async () => {
    const [shared, other] = ["447700955002", "447700955003"];
    await fan(shared, ["onecap"]);
    await fan(other, ["onecap"]);
    expect((await send(shared)).isError).toBe(false); // slot 1 of 2
    const scheduled = await gw.call("schedule_campaign", {
      name: "one cap",
      type: "marketing",
      template_name: "welcome_offer",
      locale: "en",
      variables: ["Ana"],
      audience_filter: { include_tags: ["onecap"] },
      deliver_at: new Date().toISOString(),
    });
    expect(scheduled.structured).toMatchObject({ status: "scheduled" });
    const campaignId = scheduled.structured.campaign_id as string;
    const campaign = sendThroughMessaging({ messaging: gw.clients.deps.messaging, quietHours: "skip" });
    // The last slot: three more agent sends race the campaign's page for it.
    const [fanOut, ...agents] = await Promise.all([
      runFanOut(
        { db: gw.clients.deps.db, send: campaign.enqueueBatch, tier: unlimited, log: silent, pageSize: 50 },
        { campaignId, run: 0 },
      ),
      send(shared),
      send(shared),
      send(shared),
    ]);
    expect(fanOut).toMatchObject({ outcome: "done" });
    expect(await capHolders(shared)).toBe(2);
    expect(await capHolders(other)).toBe(1);
    const c = await gw.clients.deps.db
      .selectFrom("campaigns")
      .select(["enqueued_count", "skipped_by_reason"])
      .where("id", "=", campaignId)
      .executeTakeFirstOrThrow();
    const campaignGotIt = c.enqueued_count === 2;
    expect(agents.filter((r) => !r.isError)).toHaveLength(campaignGotIt ? 0 : 1);
    expect(c.skipped_by_reason).toEqual(campaignGotIt ? {} : { frequency_capped: 1 });
  });
});
