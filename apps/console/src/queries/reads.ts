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

export type TimelineItem =
  | {
      at: Date;
      type: "message";
      id: string;
      direction: string;
      status: string;
      kind: string;
      category: string | null;
      text: string;
      error_code: number | null;
    }
  | {
      at: Date;
      type: "audit";
      actor: string;
      action: string;
      subject: string;
      details: Record<string, unknown>;
      decision: ComplianceDecision | null;
    };

/** A compliance decision as the send path stored it in its audit entry (message.queued/scheduled/refused). */
export interface ComplianceDecision {
  /** deferred: a scheduled send whose window/cap/quiet-hours/approval check failed now and is re-checked at dispatch. */
  readonly outcome: "allowed" | "refused" | "deferred";
  readonly reason_code: string | null;
  readonly checks: readonly { rule: string; passed: boolean; detail: string }[];
}

function decisionOf(action: string, details: Record<string, unknown>): ComplianceDecision | null {
  const checks = details.checks;
  if (!Array.isArray(checks)) return null;
  const valid = checks.filter(
    (c): c is { rule: string; passed: boolean; detail: string } =>
      typeof c === "object" &&
      c !== null &&
      typeof c.rule === "string" &&
      typeof c.passed === "boolean" &&
      typeof c.detail === "string",
  );
  const refused = action === "message.refused";
  const outcome = refused ? "refused" : valid.every((c) => c.passed) ? "allowed" : "deferred";
  return {
    outcome,
    reason_code: refused && typeof details.reason_code === "string" ? details.reason_code : null,
    checks: valid,
  };
}

/** One customer: the row, the open window, and a timeline of messages and audit entries (newest first). */
export async function customerDetail(db: Db, customerId: string, now: number) {
  const customer = await db
    .selectFrom("customers")
    .selectAll()
    .where("customer_id", "=", customerId)
    .executeTakeFirst();
  if (!customer) return null;
  const [messages, conversation] = await Promise.all([
    db
      .selectFrom("messages")
      .select(["id", "direction", "status", "kind", "category", "content", "error_code", "created_at"])
      .where("channel", "=", customer.channel)
      .where("customer_id", "=", customerId)
      .orderBy("created_at", "desc")
      .limit(100)
      .execute(),
    db
      .selectFrom("conversations")
      .select(["window_expires_at", "last_inbound_at"])
      .where("channel", "=", customer.channel)
      .where("customer_id", "=", customerId)
      .where("status", "=", "active")
      .executeTakeFirst(),
  ]);
  const ids = messages.map((m) => m.id);
  const audit = await db
    .selectFrom("audit_logs")
    .select(["actor", "action", "subject_type", "subject_id", "details", "created_at"])
    .where((eb) =>
      eb.or([
        eb.and([eb("subject_type", "=", "customer"), eb("subject_id", "=", customerId)]),
        ...(ids.length ? [eb.and([eb("subject_type", "=", "message"), eb("subject_id", "in", ids)])] : []),
      ]),
    )
    .orderBy("created_at", "desc")
    .limit(200)
    .execute();
  const timeline: TimelineItem[] = [
    ...messages.map(
      (m): TimelineItem => ({
        at: m.created_at,
        type: "message",
        id: m.id,
        direction: m.direction,
        status: m.status,
        kind: m.kind,
        category: m.category,
        text: textOf(m.content),
        error_code: m.error_code,
      }),
    ),
    ...audit.map(
      (a): TimelineItem => ({
        at: a.created_at,
        type: "audit",
        actor: a.actor,
        action: a.action,
        subject: `${a.subject_type}:${a.subject_id}`,
        details: a.details,
        decision: decisionOf(a.action, a.details),
      }),
    ),
  ].toSorted((a, b) => b.at.getTime() - a.at.getTime());
  const open = conversation !== undefined && conversation.window_expires_at.getTime() > now;
  return {
    customer,
    window: {
      open,
      expires_at: open ? conversation!.window_expires_at : null,
      last_inbound_at: conversation?.last_inbound_at ?? customer.last_inbound_at,
    },
    consent_history: audit.filter((a) => a.action === "consent.updated"),
    timeline,
  };
}

function textOf(content: Record<string, unknown>): string {
  const c = content as { text?: unknown; body?: unknown; template_name?: unknown; type?: unknown; caption?: unknown };
  const text = typeof c.text === "string" ? c.text : (c.text as { body?: string } | undefined)?.body;
  if (typeof text === "string") return text;
  if (typeof c.body === "string") return c.body;
  if (typeof c.template_name === "string") return `template ${c.template_name}`;
  if (typeof c.caption === "string") return c.caption;
  return typeof c.type === "string" ? `(${c.type})` : "";
}

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

export async function listTemplates(db: Db) {
  return db
    .selectFrom("templates")
    .select([
      "id",
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
