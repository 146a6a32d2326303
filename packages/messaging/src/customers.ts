import type { AuditActor, Db, MessageRow, NewMessageRow } from "@wa/db";
import { customerIdKind, placeOf } from "@wa/state";
import { sql } from "kysely";

export interface AuditDraft {
  readonly actor: AuditActor;
  readonly action: string;
  readonly details: Record<string, unknown>;
}

/**
 * The customer row if missing (the messages foreign key; created like @wa/state does, never touching an
 * existing one), the message and its audit entry in one statement: one round trip, one commit. Undefined
 * when the idempotency key is already taken.
 */
export async function insertUnlocked(db: Db, m: NewMessageRow & { channel: string; customer_id: string }, audit: AuditDraft): Promise<{ row: Pick<MessageRow, "id" | "status">; newCustomer: boolean } | undefined> {
  const kind = customerIdKind(m.customer_id);
  const place = placeOf(m.customer_id);
  const r = await sql<{ id: string | null; status: MessageRow["status"] | null; new_customer: string }>`
    WITH c AS (
      INSERT INTO customers (channel, customer_id, phone, bsuid, country, timezone)
      VALUES (${m.channel}, ${m.customer_id}, ${kind === "phone" ? m.customer_id : null}, ${kind === "bsuid" ? m.customer_id : null}, ${place.country}, ${place.timezone})
      ON CONFLICT (channel, customer_id) DO NOTHING RETURNING id),
    m AS (
      INSERT INTO messages (channel, customer_id, direction, category, kind, content, template_name, template_locale, status,
        deliver_at, campaign_id, idempotency_key, request_hash, counts_toward_cap, queued_at)
      VALUES (${m.channel}, ${m.customer_id}, ${m.direction}, ${m.category}, ${m.kind}, ${m.content}::jsonb, ${m.template_name ?? null},
        ${m.template_locale ?? null}, ${m.status}, ${m.deliver_at ?? null}, ${m.campaign_id ?? null}, ${m.idempotency_key ?? null},
        ${m.request_hash ?? null}, false, ${m.queued_at ?? null})
      ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, status),
    a AS (
      INSERT INTO audit_logs (actor, action, subject_type, subject_id, details)
      SELECT ${audit.actor}, ${audit.action}, 'message', m.id::text, ${JSON.stringify(audit.details)}::jsonb FROM m)
    SELECT (SELECT id FROM m) AS id, (SELECT status FROM m) AS status, (SELECT count(*) FROM c) AS new_customer`.execute(db);
  const x = r.rows[0];
  if (!x?.id || !x.status) return undefined;
  return { row: { id: x.id, status: x.status }, newCustomer: Number(x.new_customer) > 0 };
}
