// Templates belong to a WABA (issue 15): a campaign uses the template of its number's WABA when it is scheduled,
// when it fans out and when the sweeper pauses campaigns for a paused template.
import { parseAccounts, syncAccounts } from "@wa/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  pauseCampaignsForPausedTemplates,
  perRecipient,
  runFanOut,
  scheduleCampaign,
  type TierSource,
} from "../src/index.js";
import { insertCampaign, openTestDb, seedCustomers, silentLog, type TestDb } from "./support.js";

let h: TestDb;
const X = { waba: "210000000000001", number: "110000000000001" };
const Y = { waba: "210000000000002", number: "110000000000002" };
const ACCOUNTS = `
businesses:
  - id: x
    default: true
    wabas:
      - id: "${X.waba}"
        token: { env: X_TOKEN }
        app_secret: { env: X_SECRET }
        numbers: [{ id: "${X.number}", display: "+1 555 0401", default: true }]
  - id: y
    wabas:
      - id: "${Y.waba}"
        token: { env: Y_TOKEN }
        app_secret: { env: Y_SECRET }
        numbers: [{ id: "${Y.number}", display: "+1 555 0402" }]
`;
const now = Date.parse("2026-03-01T10:00:00Z");
const unlimited: TierSource = async () => ({ name: "TIER_UNLIMITED", limit: Number.POSITIVE_INFINITY });
const template = (waba_id: string, name: string, status = "APPROVED") => ({
  waba_id,
  name,
  locale: "en",
  category: "marketing" as const,
  status,
  parameter_count: 0,
  components: "[]",
});

beforeAll(async () => {
  h = await openTestDb();
  await syncAccounts(h.db, parseAccounts(ACCOUNTS, "test accounts.yaml"));
  await h.db
    .insertInto("templates")
    .values([template(X.waba, "x_only"), template(X.waba, "twin", "PAUSED"), template(Y.waba, "twin")])
    .execute();
  await seedCustomers(h.db, [{ customer_id: "6281300000001", tags: ["vip"] }]);
  await h.db.updateTable("customers").set({ channel: "whatsapp:y" }).execute();
});
afterAll(async () => h?.close());

const schedule = (template_name: string, from: string) =>
  scheduleCampaign(
    { db: h.db, now: () => now },
    { name: "n", type: "marketing", template_name, variables: [], deliver_at: "2026-03-01T12:00:00Z", from },
  );

describe("a campaign's template is its number's WABA's", () => {
  it("schedule_campaign refuses another WABA's template, naming both WABAs", async () => {
    expect(await schedule("x_only", X.number)).toMatchObject({ ok: true });
    const r = await schedule("x_only", Y.number);
    expect(r).toMatchObject({ ok: false, reason_code: "TEMPLATE_NOT_FOUND" });
    expect(JSON.stringify(r)).toContain(`WABA ${Y.waba}`);
    expect(JSON.stringify(r)).toContain(`WABA ${X.waba}'s`);
    // the same name in Y is Y's own template, approved there though X's is paused
    expect(await schedule("twin", Y.number)).toMatchObject({ ok: true });
    expect(await schedule("twin", X.number)).toMatchObject({ ok: false, reason_code: "TEMPLATE_NOT_APPROVED" });
  });

  it("the sweeper pauses only the campaigns whose own WABA's template is paused", async () => {
    const fromX = await insertCampaign(h.db, { template_name: "twin" });
    const fromY = await insertCampaign(h.db, { template_name: "twin" });
    await h.db.updateTable("campaigns").set({ phone_number_id: X.number }).where("id", "=", fromX).execute();
    await h.db.updateTable("campaigns").set({ phone_number_id: Y.number }).where("id", "=", fromY).execute();
    const paused = await pauseCampaignsForPausedTemplates({ db: h.db });
    expect(paused).toContain(fromX);
    expect(paused).not.toContain(fromY);
  });

  it("the fan-out sends Y's template from Y's number and fails a campaign whose template is only another WABA's", async () => {
    const sent: string[] = [];
    const deps = {
      db: h.db,
      send: perRecipient(async (s) => {
        sent.push(s.customerId);
        return { kind: "skipped" as const, reason: "opted_out" as const, reasonCode: "X" };
      }, 1),
      tier: unlimited,
      log: silentLog,
      pageSize: 10,
    };
    const ok = await insertCampaign(h.db, { template_name: "twin" });
    const wrong = await insertCampaign(h.db, { template_name: "x_only" });
    await h.db.updateTable("campaigns").set({ phone_number_id: Y.number }).where("id", "in", [ok, wrong]).execute();
    expect(await runFanOut(deps, { campaignId: ok, run: 0 })).toMatchObject({ outcome: "done" });
    expect(sent).toEqual(["6281300000001"]);
    expect(await runFanOut(deps, { campaignId: wrong, run: 0 })).toMatchObject({ outcome: "stopped" });
    const w = await h.db.selectFrom("campaigns").selectAll().where("id", "=", wrong).executeTakeFirstOrThrow();
    expect(w).toMatchObject({ status: "failed", status_reason: "template_not_found" });
  });
});
