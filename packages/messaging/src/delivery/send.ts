import type { ButtonPart, HeaderPart, Variables } from "@wa/compliance";
import type { MetaClient, MetaResult, RichContent, SendResult, TemplateParameter } from "@wa/meta";
import type { ClaimedRow } from "./types.js";

interface StoredText {
  readonly text: string;
  readonly preview_url?: boolean;
  readonly reply_to_wamid?: string;
}
interface StoredTemplate {
  readonly template_name: string;
  readonly locale?: string;
  readonly variables?: Variables;
  readonly header?: HeaderPart; // as rule 5 resolved it at enqueue
  readonly buttons?: readonly ButtonPart[];
}

/** A stored header as Meta's header parameter. */
function headerParameter(h: HeaderPart): TemplateParameter {
  if (h.type === "text")
    return { type: "text", text: h.text, ...(h.parameter_name ? { parameter_name: h.parameter_name } : {}) };
  if (h.type === "location") {
    const { latitude, longitude, name, address } = h;
    return {
      type: "location",
      location: { latitude, longitude, ...(name ? { name } : {}), ...(address ? { address } : {}) },
    };
  }
  const media = {
    ...(h.media_id ? { id: h.media_id } : { link: h.link }),
    ...(h.type === "document" && h.filename ? { filename: h.filename } : {}),
  };
  return { type: h.type, [h.type]: media };
}

function buttonParameter(b: ButtonPart): TemplateParameter {
  if (b.type === "quick_reply") return { type: "payload", payload: b.value };
  if (b.type === "copy_code") return { type: "coupon_code", coupon_code: b.value };
  return { type: "text", text: b.value };
}

/** One call to Meta for a stored row; our id travels as biz_opaque_callback_data for webhook correlation. */
export function sendRow(
  meta: MetaClient,
  row: ClaimedRow,
  phoneNumberId: string,
  signal?: AbortSignal,
): Promise<MetaResult<SendResult>> {
  // `to` in the content: the message addressed another id of this customer (a BSUID or the phone); Meta gets that id.
  const to = (row.content as { to?: unknown }).to;
  const common = {
    to: typeof to === "string" ? to : row.customer_id,
    bizOpaqueCallbackData: row.id,
    phoneNumberId,
    ...(signal ? { signal } : {}),
  };
  if (row.kind === "template") {
    const c = row.content as unknown as StoredTemplate;
    const v = c.variables ?? [];
    const params = Array.isArray(v) ? [...v] : { ...(v as Record<string, string>) };
    const empty = Array.isArray(params) ? params.length === 0 : Object.keys(params).length === 0;
    return meta.sendTemplate({
      ...common,
      name: c.template_name,
      languageCode: c.locale ?? "en",
      ...(empty ? {} : { params }),
      ...(c.header ? { header: [headerParameter(c.header)] } : {}),
      ...(c.buttons?.length
        ? { buttons: c.buttons.map((b) => ({ subType: b.type, index: b.index, parameters: [buttonParameter(b)] })) }
        : {}),
    });
  }
  if (row.kind !== "text") {
    const { to: _addressed, ...content } = row.content as Record<string, unknown>; // ours, not Graph's
    return meta.sendRich({ ...common, content: content as unknown as RichContent });
  }
  const c = row.content as unknown as StoredText;
  return meta.sendText({
    ...common,
    body: c.text,
    previewUrl: c.preview_url ?? false,
    ...(c.reply_to_wamid ? { replyToMessageId: c.reply_to_wamid } : {}),
  });
}
