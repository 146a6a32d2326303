import type { Db } from "@wa/db";

// One customer's page: the row, the 24 h window with each business number, and the timeline.

export type TimelineItem =
  | {
      at: Date;
      type: "message";
      id: string;
      phone_number_id: string | null; // the business number it went from / came to (null: the default one)
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
      .select([
        "id",
        "phone_number_id",
        "direction",
        "status",
        "kind",
        "category",
        "content",
        "error_code",
        "created_at",
      ])
      .where("channel", "=", customer.channel)
      .where("customer_id", "=", customerId)
      .orderBy("created_at", "desc")
      .limit(100)
      .execute(),
    // One window per business number the customer wrote to (accounts.yaml): each is open or not on its own.
    db
      .selectFrom("conversations")
      .select(["phone_number_id", "window_expires_at", "last_inbound_at"])
      .where("channel", "=", customer.channel)
      .where("customer_id", "=", customerId)
      .where("status", "=", "active")
      .orderBy("window_expires_at", "desc")
      .execute(),
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
        phone_number_id: m.phone_number_id,
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
  const windows = conversation.map((w) => {
    const open = w.window_expires_at.getTime() > now;
    return {
      phone_number_id: w.phone_number_id,
      open,
      expires_at: open ? w.window_expires_at : null,
      last_inbound_at: w.last_inbound_at,
    };
  });
  const latest = windows[0]; // the one closing last: open if any is
  return {
    customer,
    window: {
      open: latest?.open ?? false,
      expires_at: latest?.expires_at ?? null,
      last_inbound_at: latest?.last_inbound_at ?? customer.last_inbound_at,
    },
    windows,
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
