/** Non-template, non-text message content, in our snake_case form; `richPayload` turns it into Graph's object. */

type MediaType = "image" | "video" | "audio" | "document" | "sticker";

/** Exactly one of media_id (uploaded to Meta) and link (https, fetched by Meta, never by us). */
interface MediaRef {
  readonly media_id?: string;
  readonly link?: string;
}

export type InteractiveHeader =
  | { readonly type: "text"; readonly text: string }
  | ({ readonly type: "image" | "video" | "document" } & MediaRef);

interface ReplyButton {
  readonly id: string;
  readonly title: string;
}

interface ListRow {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
}

interface ListSection {
  readonly title?: string;
  readonly rows: readonly ListRow[];
}

export type InteractiveContent =
  | {
      readonly kind: "buttons";
      readonly body: string;
      readonly header?: InteractiveHeader;
      readonly footer?: string;
      readonly buttons: readonly ReplyButton[];
    }
  | {
      readonly kind: "list";
      readonly body: string;
      readonly header?: InteractiveHeader;
      readonly footer?: string;
      readonly button_text: string;
      readonly sections: readonly ListSection[];
    }
  | {
      readonly kind: "cta_url";
      readonly body: string;
      readonly header?: InteractiveHeader;
      readonly footer?: string;
      readonly cta: { readonly display_text: string; readonly url: string };
    }
  | { readonly kind: "location_request"; readonly body: string };

export type RichContent =
  | ({
      readonly type: "media";
      readonly media_type: MediaType;
      readonly caption?: string;
      readonly filename?: string;
    } & MediaRef)
  | ({ readonly type: "interactive" } & InteractiveContent)
  | {
      readonly type: "location";
      readonly latitude: number;
      readonly longitude: number;
      readonly name?: string;
      readonly address?: string;
    }
  | { readonly type: "reaction"; readonly message_id: string; readonly emoji: string }; // message_id: a wamid

function mediaObject(m: MediaRef): Record<string, unknown> {
  return m.media_id !== undefined ? { id: m.media_id } : { link: m.link };
}

function headerObject(h: InteractiveHeader): Record<string, unknown> {
  if (h.type === "text") return { type: "text", text: h.text };
  return { type: h.type, [h.type]: mediaObject(h) };
}

function interactiveObject(c: InteractiveContent): Record<string, unknown> {
  const body = { body: { text: c.body } };
  if (c.kind === "location_request") {
    return { type: "location_request_message", ...body, action: { name: "send_location" } };
  }
  const frame = {
    ...(c.header ? { header: headerObject(c.header) } : {}),
    ...body,
    ...(c.footer ? { footer: { text: c.footer } } : {}),
  };
  if (c.kind === "buttons") {
    return {
      type: "button",
      ...frame,
      action: { buttons: c.buttons.map((b) => ({ type: "reply", reply: { id: b.id, title: b.title } })) },
    };
  }
  if (c.kind === "list") {
    const sections = c.sections.map((s) => ({
      ...(s.title !== undefined ? { title: s.title } : {}),
      rows: s.rows.map((r) => ({
        id: r.id,
        title: r.title,
        ...(r.description !== undefined ? { description: r.description } : {}),
      })),
    }));
    return { type: "list", ...frame, action: { button: c.button_text, sections } };
  }
  return {
    type: "cta_url",
    ...frame,
    action: { name: "cta_url", parameters: { display_text: c.cta.display_text, url: c.cta.url } },
  };
}

/** The `type` and the object of that name, exactly as Graph's POST /{phone_number_id}/messages takes them. */
export function richObject(c: RichContent): Record<string, unknown> {
  switch (c.type) {
    case "media": {
      const withCaption = c.caption !== undefined ? { caption: c.caption } : {};
      const withName = c.filename !== undefined ? { filename: c.filename } : {};
      return { type: c.media_type, [c.media_type]: { ...mediaObject(c), ...withCaption, ...withName } };
    }
    case "interactive": {
      const { type: _t, ...rest } = c;
      return { type: "interactive", interactive: interactiveObject(rest) };
    }
    case "location": {
      const { type: _t, ...location } = c;
      return { type: "location", location };
    }
    case "reaction":
      return { type: "reaction", reaction: { message_id: c.message_id, emoji: c.emoji } };
    default:
      return c satisfies never;
  }
}
