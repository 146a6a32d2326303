import { DAY_MS } from "@wa/config";
import type { AuditActor, Db, MessageCategory, MessageStatus } from "@wa/db";
import { listSendingPauses } from "@wa/messaging";
import { sql } from "kysely";

const PAGE = 50;
const dayStart = (now: number) => new Date(Math.floor(now / DAY_MS) * DAY_MS);

/** Overview: today's (UTC) sends by category and status, failures by Meta code, refusals and campaign skips by reason. */
export async function overview(db: Db, now: number) {
  const since = dayStart(now);
  const [today, failures, skips, refusals, numbers, deadLetters, pauses] = await Promise.all([
    db
      .selectFrom("messages")
      .select(["category", "status", (eb) => eb.fn.countAll<string>().as("n")])
      .where("direction", "=", "outbound")
      .where("created_at", ">=", since)
      .groupBy(["category", "status"])
      .execute(),
    db
      .selectFrom("messages")
      .select(["error_code", (eb) => eb.fn.countAll<string>().as("n")])
      .where("status", "=", "failed")
      .where("created_at", ">=", since)
      .groupBy("error_code")
      .orderBy("n", "desc")
      .limit(10)
      .execute(),
    sql<{
      reason: string;
      n: string;
    }>`SELECT key AS reason, sum(value::int)::text AS n FROM campaigns, jsonb_each_text(skipped_by_reason)
      WHERE updated_at >= ${since} GROUP BY key ORDER BY sum(value::int) DESC`.execute(db),
    sql<{
      reason: string | null;
      n: string;
    }>`SELECT details->>'reason_code' AS reason, count(*)::text AS n FROM audit_logs
      WHERE action = 'message.refused' AND created_at >= ${since} GROUP BY 1 ORDER BY count(*) DESC`.execute(db),
    db.selectFrom("phone_numbers").selectAll().execute(),
    db
      .selectFrom("webhook_dead_letters")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow(),
    listSendingPauses(db),
  ]);
  const pausedBy = new Map(pauses.map((p) => [p.phone_number_id, p]));
  const byCategory: Record<string, number> = {};
  const status: Record<string, number> = {};
  for (const r of today) {
    const category = r.category ?? "unknown";
    byCategory[category] = (byCategory[category] ?? 0) + Number(r.n);
    status[r.status] = (status[r.status] ?? 0) + Number(r.n);
  }
  const sent = ["sent", "delivered", "read", "played"].reduce((a, s) => a + (status[s] ?? 0), 0);
  const delivered = ["delivered", "read", "played"].reduce((a, s) => a + (status[s] ?? 0), 0);
  return {
    since: since.toISOString(),
    sends_by_category: byCategory,
    by_status: status,
    delivery_rate: sent > 0 ? delivered / sent : null,
    read_rate: delivered > 0 ? ((status.read ?? 0) + (status.played ?? 0)) / delivered : null,
    failures_by_code: failures.map((r) => ({ code: r.error_code, count: Number(r.n) })),
    campaign_skips_by_reason: skips.rows.map((r) => ({ reason: r.reason, count: Number(r.n) })),
    refusals_by_reason: refusals.rows.map((r) => ({ reason: r.reason ?? "unknown", count: Number(r.n) })),
    numbers: numbers.map((n) => ({
      phone_number_id: n.phone_number_id,
      display: n.display_phone_number,
      quality: n.quality_rating,
      tier: n.messaging_limit_tier,
      throughput_mps: n.throughput_mps,
      // an account-level error (invalid token, restricted account) stops the number until a probe succeeds
      sending: pausedBy.has(n.phone_number_id)
        ? `paused: ${pausedBy.get(n.phone_number_id)?.human_explanation}`
        : "sending",
    })),
    dead_letters: Number(deadLetters.n),
  };
}

/** Customers by number prefix, name or tag; most recently active first, keyset-paged on updated_at. */
export async function searchCustomers(db: Db, q: { text?: string; tag?: string; before?: string }) {
  let query = db
    .selectFrom("customers")
    .select([
      "customer_id",
      "display_name",
      "marketing_consent",
      "utility_consent",
      "tags",
      "country",
      "last_inbound_at",
      "last_outbound_at",
      "updated_at",
    ]);
  const text = q.text?.trim();
  if (text) {
    const digits = text.replace(/[^\d]/g, "");
    query = query.where((eb) =>
      eb.or([
        ...(digits.length >= 3 ? [eb("customer_id", "like", `${digits}%`)] : []),
        eb("display_name", "ilike", `%${text.replace(/[%_\\]/g, "\\$&")}%`),
      ]),
    );
  }
  if (q.tag?.trim()) query = query.where(sql<boolean>`tags @> ARRAY[${q.tag.trim()}]::text[]`);
  if (q.before && !Number.isNaN(Date.parse(q.before))) query = query.where("updated_at", "<", new Date(q.before));
  const rows = await query
    .orderBy("updated_at", "desc")
    .limit(PAGE + 1)
    .execute();
  const page = rows.slice(0, PAGE);
  return { customers: page, next: rows.length > PAGE ? page.at(-1)!.updated_at.toISOString() : null };
}

export { type ComplianceDecision, customerDetail } from "./customer-detail.js";

export interface MessageFilter {
  status?: MessageStatus;
  category?: MessageCategory;
  error_code?: number;
  from?: string;
  to?: string;
  before?: string;
}

/** Messages newest first with filters; keyset-paged on (created_at, id). */
export async function listMessages(db: Db, f: MessageFilter) {
  let q = db
    .selectFrom("messages")
    .select([
      "id",
      "customer_id",
      "direction",
      "status",
      "category",
      "kind",
      "template_name",
      "error_code",
      "campaign_id",
      "created_at",
    ]);
  if (f.status) q = q.where("status", "=", f.status);
  if (f.category) q = q.where("category", "=", f.category);
  if (f.error_code !== undefined) q = q.where("error_code", "=", f.error_code);
  if (f.from && !Number.isNaN(Date.parse(f.from))) q = q.where("created_at", ">=", new Date(f.from));
  if (f.to && !Number.isNaN(Date.parse(f.to))) q = q.where("created_at", "<", new Date(f.to));
  if (f.before && !Number.isNaN(Date.parse(f.before))) q = q.where("created_at", "<", new Date(f.before));
  const rows = await q
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(PAGE + 1)
    .execute();
  const page = rows.slice(0, PAGE);
  return { messages: page, next: rows.length > PAGE ? page.at(-1)!.created_at.toISOString() : null };
}

export async function messageDetail(db: Db, id: string) {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const m = await db.selectFrom("messages").selectAll().where("id", "=", id).executeTakeFirst();
  if (!m) return null;
  const audit = await db
    .selectFrom("audit_logs")
    .select(["actor", "action", "details", "created_at"])
    .where("subject_type", "=", "message")
    .where("subject_id", "=", id)
    .orderBy("created_at")
    .execute();
  const history = (
    [
      "created_at",
      "queued_at",
      "sending_at",
      "sent_at",
      "delivered_at",
      "read_at",
      "played_at",
      "failed_at",
      "cancelled_at",
      "received_at",
    ] as const
  )
    .filter((k) => m[k] !== null)
    .map((k) => ({ status: k.replace(/_at$/, ""), at: m[k] as Date }))
    .toSorted((a, b) => a.at.getTime() - b.at.getTime());
  return { message: m, history, audit };
}

export async function listCampaigns(db: Db) {
  return db.selectFrom("campaigns").selectAll().orderBy("created_at", "desc").limit(100).execute();
}

/** Every WABA's templates (a template belongs to one WABA), each with its WABA and business. */
export async function listTemplates(db: Db) {
  return db
    .selectFrom("templates")
    .select((eb) => [
      "id",
      "waba_id",
      eb
        .selectFrom("wabas")
        .select("business_id")
        .whereRef("wabas.waba_id", "=", "templates.waba_id")
        .as("business_id"),
      "name",
      "locale",
      "category",
      "status",
      "quality",
      "parameter_count",
      "synced_at",
      "rejection_reason",
    ])
    .orderBy("name")
    .orderBy("locale")
    .orderBy("waba_id")
    .execute();
}

export async function listDeadLetters(db: Db) {
  return db.selectFrom("webhook_dead_letters").selectAll().orderBy("parked_at", "desc").limit(200).execute();
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  subject?: string;
  from?: string;
  to?: string;
  before?: string;
}

/** The audit log, newest first. actor: a kind ("operator") or one actor ("operator:alice"). */
export async function listAudit(db: Db, f: AuditFilter, limit = PAGE) {
  let q = db
    .selectFrom("audit_logs")
    .select(["id", "actor", "action", "subject_type", "subject_id", "details", "created_at"]);
  const actor = f.actor?.trim();
  if (actor) {
    const a = actor as AuditActor;
    q = actor.includes(":")
      ? q.where("actor", "=", a)
      : q.where((eb) => eb.or([eb("actor", "=", a), eb("actor", "like", `${actor}:%` as AuditActor)]));
  }
  if (f.action?.trim()) q = q.where("action", "=", f.action.trim());
  const subject = f.subject?.trim();
  if (subject) {
    const [type, ...rest] = subject.split(":");
    q = rest.length
      ? q.where("subject_type", "=", type!).where("subject_id", "=", rest.join(":"))
      : q.where("subject_id", "=", subject);
  }
  if (f.from && !Number.isNaN(Date.parse(f.from))) q = q.where("created_at", ">=", new Date(f.from));
  if (f.to && !Number.isNaN(Date.parse(f.to))) q = q.where("created_at", "<", new Date(f.to));
  if (f.before && !Number.isNaN(Date.parse(f.before))) q = q.where("created_at", "<", new Date(f.before));
  const rows = await q
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  return { entries: page, next: rows.length > limit ? page.at(-1)!.created_at.toISOString() : null };
}

export async function listPolicies(db: Db) {
  return db.selectFrom("policies").selectAll().orderBy("id").execute();
}
