import type { MessageRow } from "@wa/db";
import { explainMetaError } from "@wa/meta";
import { z } from "zod";
import { refuse } from "@wa/contract";
import { defineTool, READ_ONLY } from "./define-tool.js";
import { explanation, explanationOut } from "./shapes.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export const getDeliveryStatus = defineTool({
  name: "get_delivery_status",
  title: "Where a message is",
  description:
    "Status of one message by our message_id (returned by send_* tools) or by Meta's wamid: queued, sending, sent, delivered, read, failed, cancelled or scheduled, with attempts, timestamps, pricing and, when it failed, the explained error (what it means, whether retry_failed_messages can resend it).",
  annotations: READ_ONLY,
  input: {
    message_id: z.string().min(1).max(256).describe('Our message id (a UUID) or Meta\'s wamid ("wamid.…").'),
  },
  output: {
    message_id: z.string(),
    wamid: z.string().nullable(),
    customer_id: z.string(),
    direction: z.enum(["inbound", "outbound"]),
    category: z.string().nullable(),
    kind: z.string(),
    status: z.string(),
    status_reason: z.string().nullable(),
    attempts: z.number().int(),
    campaign_id: z.string().nullable(),
    timestamps: z.object({
      created_at: z.string().nullable(),
      deliver_at: z.string().nullable(),
      queued_at: z.string().nullable(),
      sending_at: z.string().nullable(),
      sent_at: z.string().nullable(),
      delivered_at: z.string().nullable(),
      read_at: z.string().nullable(),
      failed_at: z.string().nullable(),
      cancelled_at: z.string().nullable(),
      received_at: z.string().nullable(),
    }),
    pricing: z.record(z.string(), z.unknown()).nullable(),
    error: explanation.nullable(),
  },
  run: async ({ message_id }, deps) => {
    const id = message_id.trim();
    const row = await deps.db
      .selectFrom("messages")
      .selectAll()
      .where(UUID.test(id) ? "id" : "wamid", "=", id)
      .executeTakeFirst();
    if (!row) {
      return refuse(
        "NOT_FOUND",
        `No message with id or wamid "${id.slice(0, 80)}".`,
        "Use the message_id returned by send_message/send_template/reply_customer/schedule_message, or the wamid from Meta.",
      );
    }
    return {
      message_id: row.id,
      wamid: row.wamid,
      customer_id: row.customer_id,
      direction: row.direction,
      category: row.category,
      kind: row.kind,
      status: row.status,
      status_reason: row.status_reason,
      attempts: row.attempts,
      campaign_id: row.campaign_id,
      timestamps: {
        created_at: iso(row.created_at),
        deliver_at: iso(row.deliver_at),
        queued_at: iso(row.queued_at),
        sending_at: iso(row.sending_at),
        sent_at: iso(row.sent_at),
        delivered_at: iso(row.delivered_at),
        read_at: iso(row.read_at),
        failed_at: iso(row.failed_at),
        cancelled_at: iso(row.cancelled_at),
        received_at: iso(row.received_at),
      },
      pricing: row.pricing,
      error: errorOf(row),
    };
  },
});

function errorOf(row: MessageRow): z.input<typeof explanation> | null {
  if (row.error_code !== null) return explanationOut(explainMetaError(row.error_code, { details: row.error_details }));
  if (row.status !== "failed" && row.status !== "cancelled") return null;
  if (row.error_title === null && row.status_reason === null && row.error_explanation === null) return null;
  const title = row.error_title ?? row.status_reason ?? row.status;
  return {
    code: null,
    category: "permanent",
    can_retry: row.status === "failed",
    retry_strategy: { kind: "none" },
    title,
    human_explanation: row.error_explanation ?? `The message was ${row.status}: ${title}.`,
    suggested_action:
      row.status === "failed"
        ? "Check the customer's consent and window with get_customer_context, then resend with retry_failed_messages."
        : "Nothing to do: the message was cancelled on purpose.",
  };
}
