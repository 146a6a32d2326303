import { singleNumberAccounts, syncAccounts } from "@wa/accounts";
import { createDb, type Db } from "@wa/db";
import { createTestDatabase, type TestDatabase } from "@wa/testkit";
import { sql } from "kysely";

export interface TestDb {
  readonly db: Db;
  readonly close: () => Promise<void>;
}

/** The default number of a deployment without accounts.yaml, as every app upserts it at start. */
const DEFAULT_NUMBER = { META_PHONE_NUMBER_ID: "100000000000001", META_WABA_ID: "200000000000001" };

export async function openTestDb(): Promise<TestDb & { t: TestDatabase }> {
  const t = await createTestDatabase();
  const db = createDb(t.url, { max: 12 });
  await syncAccounts(db, singleNumberAccounts(DEFAULT_NUMBER));
  return {
    t,
    db,
    close: async () => {
      await db.destroy();
      await t.drop();
    },
  };
}

export const silentLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

export async function seedTemplates(db: Db): Promise<void> {
  await db
    .insertInto("templates")
    .values([
      {
        name: "welcome_offer",
        locale: "en",
        category: "marketing",
        status: "APPROVED",
        body_text: "Hi {{1}}",
        parameter_count: 1,
        components: "[]",
      },
      {
        name: "order_update",
        locale: "en",
        category: "utility",
        status: "APPROVED",
        body_text: "Order {{1}} is {{2}}",
        parameter_count: 2,
        components: "[]",
      },
      {
        name: "shipping_named",
        locale: "en",
        category: "utility",
        status: "APPROVED",
        parameter_format: "named",
        parameter_names: ["first_name", "order_id"],
        parameter_count: 2,
        components: "[]",
      },
      {
        name: "flash_sale",
        locale: "en",
        category: "marketing",
        status: "PAUSED",
        parameter_count: 0,
        components: "[]",
      },
      {
        name: "new_arrivals",
        locale: "en",
        category: "marketing",
        status: "PENDING",
        parameter_count: 0,
        components: "[]",
      },
    ])
    .onConflict((oc) => oc.columns(["waba_id", "name", "locale"]).doNothing())
    .execute();
}

export interface CustomerSeed {
  readonly customer_id: string;
  readonly tags?: string[];
  readonly country?: string | null;
  readonly timezone?: string | null;
  readonly last_inbound_at?: Date | null;
  readonly marketing_consent?: "granted" | "revoked" | "unknown";
  readonly utility_consent?: "granted" | "revoked" | "unknown";
}

export async function seedCustomers(db: Db, rows: readonly CustomerSeed[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    await db
      .insertInto("customers")
      .values(
        rows.slice(i, i + 1000).map((r) => ({
          customer_id: r.customer_id,
          phone: /^\d+$/.test(r.customer_id) ? r.customer_id : null,
          tags: r.tags ?? [],
          country: r.country ?? null,
          timezone: r.timezone ?? null,
          last_inbound_at: r.last_inbound_at ?? null,
          marketing_consent: r.marketing_consent ?? "unknown",
          utility_consent: r.utility_consent ?? "unknown",
        })),
      )
      .execute();
  }
}

/** Inserts a campaign row directly (bypassing schedule checks) for state-machine tests. */
export async function insertCampaign(
  db: Db,
  over: Partial<{
    status: string;
    scheduled_at: Date;
    template_name: string;
    run: number;
    fanout_done: boolean;
    audience_filter: object;
    type: "marketing" | "utility";
    cancelled_at: Date;
  }> = {},
): Promise<string> {
  const r = await db
    .insertInto("campaigns")
    .values({
      name: "test",
      type: over.type ?? "marketing",
      template_name: over.template_name ?? "welcome_offer",
      variables: JSON.stringify(["friend"]),
      audience_filter: JSON.stringify(over.audience_filter ?? {}),
      scheduled_at: over.scheduled_at ?? new Date(),
      ...(over.status ? { status: over.status as "scheduled" } : {}),
      ...(over.run !== undefined ? { run: over.run } : {}),
      ...(over.fanout_done !== undefined ? { fanout_done: over.fanout_done } : {}),
      ...(over.cancelled_at ? { cancelled_at: over.cancelled_at } : {}),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return r.id;
}

/** Inserts campaign message rows in given statuses (test data standing for what the send path wrote). */
export async function insertMessages(
  db: Db,
  campaignId: string | null,
  rows: readonly {
    customer_id: string;
    status: string;
    counts_toward_cap?: boolean;
    created_at?: Date;
    deliver_at?: Date;
    sent_at?: Date;
    category?: "marketing" | "utility" | "service";
  }[],
): Promise<string[]> {
  if (rows.length === 0) return [];
  const out = await db
    .insertInto("messages")
    .values(
      rows.map((r) => ({
        customer_id: r.customer_id,
        direction: "outbound" as const,
        category: r.category ?? "marketing",
        kind: "template",
        content: JSON.stringify({ type: "template" }),
        status: r.status as "queued",
        campaign_id: campaignId,
        counts_toward_cap: r.counts_toward_cap ?? false,
        deliver_at: r.deliver_at ?? (r.status === "scheduled" ? new Date(Date.now() + 3600_000) : null),
        sent_at: r.sent_at ?? (["sent", "delivered", "read"].includes(r.status) ? new Date() : null),
        ...(r.created_at ? { created_at: r.created_at } : {}),
      })),
    )
    .returning("id")
    .execute();
  return out.map((r) => r.id);
}

export async function auditActions(db: Db, campaignId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("audit_logs")
    .select("action")
    .where("subject_id", "=", campaignId)
    .orderBy("id")
    .execute();
  return rows.map((r) => r.action);
}

export { sql };
