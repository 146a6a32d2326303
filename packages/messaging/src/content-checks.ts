import { type Refusal, refuse } from "@wa/contract";
import type { InteractiveHeader, RichContent } from "@wa/meta";

// Meta's limits for non-template content (Cloud API "Send messages" reference), checked before queueing so a
// bad message is refused with the field and the limit instead of failing at Meta with error 100/131009.
const LIMITS = {
  caption: 1024,
  filename: 240,
  body: 1024,
  headerText: 60,
  footer: 60,
  replyButtons: 3,
  buttonTitle: 20,
  buttonId: 256,
  listButton: 20,
  sections: 10,
  rows: 10,
  sectionTitle: 24,
  rowTitle: 24,
  rowDescription: 72,
  rowId: 200,
  ctaText: 20,
  url: 2000,
  locationText: 1000,
} as const;

const NO_CAPTION = new Set(["audio", "sticker"]);

const bad = (field: string, problem: string, fix: string): Refusal =>
  refuse("INVALID_ARGUMENT", `${field}: ${problem}`, fix);

function text(field: string, v: unknown, max: number, required = true): Refusal | null {
  if (v === undefined && !required) return null;
  if (typeof v !== "string" || v.trim() === "") return bad(field, "must be non-empty text.", `Fill in ${field}.`);
  const n = [...v].length;
  if (n > max)
    return bad(field, `${n} characters; Meta allows at most ${max}.`, `Shorten ${field} to ${max} characters.`);
  return null;
}

/** https only (also template header links, template-parts.ts): a `javascript:`, `data:` or plain-http link is refused naming the field (Meta fetches it, we never do). */
function checkLink(field: string, link: unknown): Refusal | null {
  if (typeof link !== "string" || link.length > LIMITS.url)
    return bad(field, `must be an https URL of at most ${LIMITS.url} characters.`, "Pass an https:// link.");
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return bad(field, "is not a valid URL.", "Pass an absolute https:// link.");
  }
  if (url.protocol !== "https:")
    return bad(
      field,
      `only https links are accepted, not ${url.protocol.replace(/:$/, "")}.`,
      "Host the file on https, or upload it and pass media_id.",
    );
  if (url.username || url.password)
    return bad(field, "must not carry credentials.", "Pass a link without user:password@.");
  return null;
}

export function mediaRef(field: string, m: { media_id?: unknown; link?: unknown }): Refusal | null {
  const hasId = m.media_id !== undefined;
  const hasLink = m.link !== undefined;
  if (hasId === hasLink)
    return bad(field, "give exactly one of media_id and link.", "Pass media_id (uploaded media) or an https link.");
  if (hasId) return text(`${field}.media_id`, m.media_id, 256);
  return checkLink(`${field}.link`, m.link);
}

function header(h: InteractiveHeader | undefined, textOnly: boolean): Refusal | null {
  if (h === undefined) return null;
  if (h.type === "text") return text("header.text", h.text, LIMITS.headerText);
  if (textOnly) return bad("header", "a list message takes a text header only.", "Use a text header or none.");
  return mediaRef("header", h);
}

function uniqueIds(field: string, ids: readonly string[]): Refusal | null {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id))
      return bad(field, `id "${id}" is used twice; ids must be unique.`, "Give every option its own id.");
    seen.add(id);
  }
  return null;
}

function interactive(c: Extract<RichContent, { type: "interactive" }>): Refusal | null {
  const badBody = text("body", c.body, LIMITS.body);
  if (badBody) return badBody;
  if (c.kind === "location_request") return null;
  const common = header(c.header, c.kind === "list") ?? text("footer", c.footer, LIMITS.footer, false);
  if (common) return common;
  if (c.kind === "buttons") {
    const n = c.buttons?.length ?? 0;
    if (n < 1 || n > LIMITS.replyButtons)
      return bad(
        "buttons",
        `${n} reply buttons; Meta allows 1–${LIMITS.replyButtons}.`,
        "Offer at most 3 buttons, or send a list (kind list) for up to 10 options.",
      );
    for (const [i, b] of c.buttons.entries()) {
      const e =
        text(`buttons[${i}].id`, b.id, LIMITS.buttonId) ?? text(`buttons[${i}].title`, b.title, LIMITS.buttonTitle);
      if (e) return e;
    }
    return uniqueIds(
      "buttons",
      c.buttons.map((b) => b.id),
    );
  }
  if (c.kind === "list") {
    const lb = text("button_text", c.button_text, LIMITS.listButton);
    if (lb) return lb;
    const sections = c.sections ?? [];
    if (sections.length < 1 || sections.length > LIMITS.sections)
      return bad(
        "sections",
        `${sections.length} sections; Meta allows 1–${LIMITS.sections}.`,
        "Group the rows into at most 10 sections.",
      );
    const rows = sections.flatMap((s) => s.rows ?? []);
    if (rows.length < 1 || rows.length > LIMITS.rows)
      return bad(
        "sections",
        `${rows.length} rows in all; Meta allows 1–${LIMITS.rows} rows across all sections.`,
        "Offer at most 10 rows; split the choice into two messages if you need more.",
      );
    for (const [i, s] of sections.entries()) {
      if (sections.length > 1 && s.title === undefined)
        return bad(
          `sections[${i}].title`,
          "required when there is more than one section.",
          "Give every section a title.",
        );
      const t = text(`sections[${i}].title`, s.title, LIMITS.sectionTitle, false);
      if (t) return t;
      if ((s.rows ?? []).length === 0)
        return bad(`sections[${i}].rows`, "a section needs at least one row.", "Drop the empty section.");
      for (const [j, row] of s.rows.entries()) {
        const f = `sections[${i}].rows[${j}]`;
        const e =
          text(`${f}.id`, row.id, LIMITS.rowId) ??
          text(`${f}.title`, row.title, LIMITS.rowTitle) ??
          text(`${f}.description`, row.description, LIMITS.rowDescription, false);
        if (e) return e;
      }
    }
    return uniqueIds(
      "sections",
      rows.map((r) => r.id),
    );
  }
  return text("cta.display_text", c.cta?.display_text, LIMITS.ctaText) ?? checkLink("cta.url", c.cta?.url);
}

function media(c: Extract<RichContent, { type: "media" }>): Refusal | null {
  const ref = mediaRef(c.media_type, c);
  if (ref) return ref;
  if (c.caption !== undefined) {
    if (NO_CAPTION.has(c.media_type))
      return bad(
        "caption",
        `Meta does not show a caption on ${c.media_type}.`,
        "Drop caption, or send the text with send_message.",
      );
    const e = text("caption", c.caption, LIMITS.caption);
    if (e) return e;
  }
  if (c.filename !== undefined) {
    if (c.media_type !== "document")
      return bad("filename", "only a document has a filename.", "Drop filename, or send it as media_type document.");
    return text("filename", c.filename, LIMITS.filename);
  }
  return null;
}

const EMOJI = /^(\p{Extended_Pictographic}|\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3)/u;

/** Exactly one emoji grapheme (ZWJ sequences, flags, skin tones and keycaps count as one), or "" to remove. */
function reactionEmoji(emoji: unknown): Refusal | null {
  if (emoji === "") return null;
  const fix = 'Pass one emoji such as "👍", or "" to remove the reaction.';
  if (typeof emoji !== "string") return bad("emoji", "must be one emoji or an empty string.", fix);
  const graphemes = [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(emoji)];
  if (graphemes.length !== 1 || !EMOJI.test(emoji))
    return bad("emoji", `"${emoji.slice(0, 20)}" is not exactly one emoji.`, fix);
  return null;
}

/** Argument checks for rich content (no I/O); null when it may be queued. */
export function checkRichContent(c: RichContent): Refusal | null {
  switch (c.type) {
    case "media":
      return media(c);
    case "interactive":
      return interactive(c);
    case "location": {
      if (typeof c.latitude !== "number" || !(Math.abs(c.latitude) <= 90))
        return bad("latitude", "must be a number from -90 to 90.", "Pass decimal degrees, e.g. -6.2.");
      if (typeof c.longitude !== "number" || !(Math.abs(c.longitude) <= 180))
        return bad("longitude", "must be a number from -180 to 180.", "Pass decimal degrees, e.g. 106.8.");
      return text("name", c.name, LIMITS.locationText, false) ?? text("address", c.address, LIMITS.locationText, false);
    }
    case "reaction":
      return text("message_id", c.message_id, 256) ?? reactionEmoji(c.emoji);
    default:
      return c satisfies never;
  }
}

/** Every link's host in the content, for the media_link_domains policy. */
export function linkHosts(c: RichContent): string[] {
  const links: (string | undefined)[] = [];
  if (c.type === "media") links.push(c.link);
  if (c.type === "interactive" && c.kind !== "location_request") {
    if (c.header && c.header.type !== "text") links.push(c.header.link);
    if (c.kind === "cta_url") links.push(c.cta.url);
  }
  return links.flatMap((l) => (l ? [new URL(l).hostname.toLowerCase()] : []));
}
