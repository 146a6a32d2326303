import type { Variables } from "@wa/compliance";
import type { MetaClient, MetaResult, SendResult } from "@wa/meta";
import type { ClaimedRow } from "./types.js";

interface StoredText { readonly text: string; readonly preview_url?: boolean; readonly reply_to_wamid?: string }
interface StoredTemplate { readonly template_name: string; readonly locale?: string; readonly variables?: Variables }

/** One call to Meta for a stored row; our id travels as biz_opaque_callback_data for webhook correlation. */
export function sendRow(meta: MetaClient, row: ClaimedRow, phoneNumberId: string, signal?: AbortSignal): Promise<MetaResult<SendResult>> {
  const common = { to: row.customer_id, bizOpaqueCallbackData: row.id, phoneNumberId, ...(signal ? { signal } : {}) };
  if (row.kind === "template") {
    const c = row.content as unknown as StoredTemplate;
    const v = c.variables ?? [];
    const params = Array.isArray(v) ? [...v] : { ...(v as Record<string, string>) };
    const empty = Array.isArray(params) ? params.length === 0 : Object.keys(params).length === 0;
    return meta.sendTemplate({ ...common, name: c.template_name, languageCode: c.locale ?? "en", ...(empty ? {} : { params }) });
  }
  const c = row.content as unknown as StoredText;
  return meta.sendText({ ...common, body: c.text, previewUrl: c.preview_url ?? false, ...(c.reply_to_wamid ? { replyToMessageId: c.reply_to_wamid } : {}) });
}
