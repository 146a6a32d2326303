import type { Hono } from "hono";
import { z } from "zod";
import type { MockContext } from "../context.js";
import { parseRecipient, recipientKey } from "../recipient.js";
import { issuesText } from "../template-schema.js";
import { inboundMessage, inboundSchema } from "../webhooks/inbound.js";
import { json, readJson } from "./respond.js";

const bodySchema = z.union([
  z.object({ messages: z.array(inboundSchema).min(1).max(10_000) }),
  z
    .array(inboundSchema)
    .min(1)
    .max(10_000)
    .transform((messages) => ({ messages })),
  inboundSchema.transform((m) => ({ messages: [m] })),
]);

/**
 * POST /_mock/inbound: customer messages. Each opens (or refreshes) the 24 h window of its (phone number, sender)
 * pair and is delivered as a signed `messages` webhook; many at once arrive batched in shared envelopes.
 */
export function registerInboundControl(app: Hono, ctx: MockContext): void {
  const { state } = ctx;
  app.post("/_mock/inbound", async (c) => {
    const parsed = bodySchema.safeParse(await readJson(c.req.raw));
    if (!parsed.success) return json({ error: issuesText(parsed.error) }, 400);
    const nowSec = Math.floor(state.now() / 1000);
    const byPhone = new Map<string, { contact: object; message: object }[]>();
    const out: object[] = [];
    for (const m of parsed.data.messages) {
      const phoneId = m.phone_number_id ?? state.defaultPhoneId;
      if (!state.phones.has(phoneId)) return json({ error: `unknown phone_number_id ${phoneId}` }, 404);
      const from = recipientKey(m.from);
      const sender = senderOf(ctx, phoneId, from, m.user_id);
      const ts = m.timestamp ?? nowSec;
      const windowKey = `${phoneId}|${sender.phone ?? from}`;
      state.lastInbound.set(windowKey, Math.max(state.lastInbound.get(windowKey) ?? 0, ts * 1000));
      const id = m.id ?? ctx.newWamid();
      const items = byPhone.get(phoneId) ?? [];
      const stored =
        m.media &&
        state.media.add({
          bytes: Buffer.from(m.media.data_base64, "base64"),
          mimeType: m.media.mime_type,
          filename: m.media.filename ?? null,
          phoneNumberId: phoneId,
          broken: m.media.broken,
        });
      const ref = stored
        ? { id: stored.id, mimeType: stored.mimeType, sha256: stored.sha256, filename: stored.filename }
        : null;
      items.push(inboundMessage(m, id, sender, ts, ref));
      byPhone.set(phoneId, items);
      out.push({
        id,
        from,
        phone_number_id: phoneId,
        timestamp: String(ts),
        ...(ref ? { media_id: ref.id, sha256: ref.sha256 } : {}),
      });
    }
    for (const [phoneId, items] of byPhone) ctx.webhooks.inbound(phoneId, items);
    return json({ messages: out });
  });
}

/** Who sent it: a phone (with its BSUID when given or when `user_ids` is on), or a BSUID alone. */
function senderOf(
  ctx: MockContext,
  phoneId: string,
  from: string,
  userId: string | undefined,
): { phone: string | null; bsuid: string | null } {
  const { state } = ctx;
  if (parseRecipient(from)?.kind === "bsuid") return { phone: null, bsuid: from };
  if (userId !== undefined) {
    state.identities.link(from, userId);
    return { phone: from, bsuid: userId };
  }
  const wabaId = state.phones.get(phoneId)?.wabaId ?? state.defaultWabaId;
  const bsuid = state.knobs.user_ids ? state.identities.assign(wabaId, from) : null;
  return { phone: from, bsuid };
}
