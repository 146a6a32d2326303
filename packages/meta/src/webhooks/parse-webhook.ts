import { messagesFieldEvents, type Origin } from "./messages-field.js";
import { arr, digest, isObj, obj, secondsToMs, str } from "./read.js";
import type { ParseWebhookResult, WebhookEvent } from "./types.js";
import { wabaFieldEvents } from "./waba-fields.js";

const shown = (v: unknown): string =>
  v === undefined ? "nothing" : typeof v === "string" ? JSON.stringify(v.slice(0, 100)) : describe(v);

function describe(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
}

/**
 * Turns a parsed webhook body into typed events. Only a body that is not a WhatsApp envelope is
 * refused; anything odd inside one becomes an `unknown` event, so one bad change never hides the
 * rest of a batch and nothing throws.
 */
export function parseWebhook(body: unknown): ParseWebhookResult {
  try {
    return parseEnvelope(body);
  } catch (err) {
    // The readers are total; this is the promise kept even against a shape nobody foresaw.
    return { ok: false, error: `webhook body could not be read: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function parseEnvelope(body: unknown): ParseWebhookResult {
  if (!isObj(body)) return { ok: false, error: `webhook body must be a JSON object, got ${describe(body)}` };
  if (body.object !== "whatsapp_business_account") {
    return {
      ok: false,
      error: `webhook object must be "whatsapp_business_account", got ${shown(body.object)}`,
    };
  }
  if (!Array.isArray(body.entry))
    return { ok: false, error: `webhook entry must be an array, got ${describe(body.entry)}` };

  const events: WebhookEvent[] = [];
  for (const entry of body.entry) {
    const e = obj(entry);
    const wabaId = str(e?.id) ?? "";
    const entryTime = secondsToMs(e?.time);
    if (e === null || !Array.isArray(e.changes)) {
      const place = { wabaId, phoneNumberId: null, displayPhoneNumber: null };
      const reason = e === null ? "entry is not an object" : "entry without a changes array";
      events.push({
        kind: "unknown",
        dedupKey: `unknown:${wabaId}:entry:${digest(entry)}`,
        ...place,
        timestamp: entryTime,
        raw: entry,
        field: null,
        reason,
      });
      continue;
    }
    for (const change of arr(e.changes)) {
      const c = obj(change);
      const field = str(c?.field);
      const value = obj(c?.value);
      const metadata = obj(value?.metadata);
      const origin: Origin = {
        wabaId,
        entryTime,
        phoneNumberId: str(metadata?.phone_number_id),
        displayPhoneNumber: str(metadata?.display_phone_number),
      };
      if (field === null || value === null) {
        const place = { wabaId, phoneNumberId: null, displayPhoneNumber: null };
        const reason = field === null ? "change without a field" : `change "${field}" without an object value`;
        events.push({
          kind: "unknown",
          dedupKey: `unknown:${wabaId}:change:${digest(change)}`,
          ...place,
          timestamp: entryTime,
          raw: change,
          field,
          reason,
        });
        continue;
      }
      events.push(
        ...(field === "messages" ? messagesFieldEvents(value, origin) : wabaFieldEvents(field, value, origin)),
      );
    }
  }
  return { ok: true, events };
}
