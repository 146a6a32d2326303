/** What a template send carries besides body variables (send_template's header and buttons). */
export type HeaderPart =
  | { readonly type: "text"; readonly text: string; readonly parameter_name?: string }
  | {
      readonly type: "image" | "video" | "document";
      readonly media_id?: string;
      readonly link?: string; // https only
      readonly filename?: string; // document
    }
  | {
      readonly type: "location";
      readonly latitude: number;
      readonly longitude: number;
      readonly name?: string;
      readonly address?: string;
    };

/** One button parameter by the button's 0-based index: a URL suffix, a quick-reply payload or a copy-code value. */
export interface ButtonPart {
  readonly index: number;
  readonly type: "url" | "quick_reply" | "copy_code";
  readonly value: string;
}

export interface TemplateParts {
  readonly header?: HeaderPart;
  readonly buttons?: readonly ButtonPart[];
}

type HeaderFormat = "TEXT" | "IMAGE" | "VIDEO" | "DOCUMENT" | "LOCATION";

/** A template's header and buttons as rule 5 reads them from the stored components. */
export interface TemplateShape {
  readonly header: {
    readonly format: HeaderFormat;
    readonly variables: readonly string[];
    readonly text: string; // a TEXT header's template text, "" for media and location headers
  } | null;
  readonly buttons: readonly {
    readonly kind: string; // QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, OTP, …
    readonly text: string;
    readonly takes: "required" | "optional" | "none";
    readonly subType: ButtonPart["type"] | null; // Meta's sub_type for the parameter (OTP: url)
  }[];
}

const PLACEHOLDER = /\{\{\s*([^{}\s]*)\s*\}\}/g;
// Meta's limit for a text header once the value is filled in: longer fails at Meta (132005, hydrated text too long).
const MAX_HEADER_TEXT = 60;
const namesIn = (text: unknown): string[] =>
  typeof text === "string" ? [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ""))] : [];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const upper = (v: unknown): string => (typeof v === "string" ? v.toUpperCase() : "");

function buttonOf(b: Record<string, unknown>): TemplateShape["buttons"][number] {
  const kind = upper(b["type"]);
  const text = typeof b["text"] === "string" ? b["text"] : kind.toLowerCase();
  if (kind === "URL") {
    const dynamic = namesIn(b["url"]).length > 0;
    return { kind, text, takes: dynamic ? "required" : "none", subType: dynamic ? "url" : null };
  }
  if (kind === "QUICK_REPLY") return { kind, text, takes: "optional", subType: "quick_reply" };
  if (kind === "COPY_CODE") return { kind, text, takes: "required", subType: "copy_code" };
  // Authentication copy-code / one-tap buttons: Meta takes the code as a url-sub_type parameter.
  if (kind === "OTP") return { kind, text, takes: "required", subType: "url" };
  return { kind, text, takes: "none", subType: null };
}

/** The header and buttons of Meta's component list (as synced or created). */
export function shapeOf(components: readonly unknown[]): TemplateShape {
  let header: TemplateShape["header"] = null;
  const buttons: TemplateShape["buttons"][number][] = [];
  for (const c of components) {
    if (!isObject(c)) continue;
    const type = upper(c["type"]);
    if (type === "HEADER") {
      const format = (upper(c["format"]) || "TEXT") as HeaderFormat;
      const text = format === "TEXT" && typeof c["text"] === "string" ? c["text"] : "";
      header = { format, variables: namesIn(text), text };
    } else if (type === "BUTTONS" && Array.isArray(c["buttons"])) {
      for (const b of c["buttons"]) if (isObject(b)) buttons.push(buttonOf(b));
    }
  }
  return { header, buttons };
}

const MEDIA_WORD: Record<string, string> = { IMAGE: "an image", VIDEO: "a video", DOCUMENT: "a document" };

function expectedHeader(h: NonNullable<TemplateShape["header"]>): string {
  if (h.format === "TEXT") return `a text header value for {{${h.variables[0] ?? "1"}}}`;
  if (h.format === "LOCATION") return "a location (latitude, longitude)";
  return `${MEDIA_WORD[h.format] ?? "a media"} header (media_id or https link)`;
}

/** The parts as they go to Meta (OTP code as sub_type url, a named header's parameter_name), or what does not fit. */
export type PartsCheck =
  | { readonly ok: true; readonly parts: TemplateParts }
  | { readonly ok: false; readonly problem: string };

function headerCheck(
  shape: TemplateShape,
  named: boolean,
  given: HeaderPart | undefined,
): PartsCheck | HeaderPart | null {
  const h = shape.header;
  const takes = h !== null && (h.format !== "TEXT" || h.variables.length > 0);
  if (!takes) {
    if (given === undefined) return null;
    const why = h === null ? "the template has no header" : "its text header has no variable";
    return { ok: false, problem: `header: ${why}, so no header value may be given` };
  }
  if (given === undefined) return { ok: false, problem: `header: expects ${expectedHeader(h)}, none was given` };
  const want = h.format === "TEXT" ? "text" : h.format.toLowerCase();
  if (given.type !== want) return { ok: false, problem: `header: expects ${expectedHeader(h)}, got ${given.type}` };
  if (given.type === "text") {
    if (given.text.trim() === "") return { ok: false, problem: "header: the text value is empty" };
    const filled = h.text.replace(PLACEHOLDER, () => given.text).length;
    if (filled > MAX_HEADER_TEXT)
      return {
        ok: false,
        problem: `header: with the value filled in the header is ${filled} characters, Meta allows ${MAX_HEADER_TEXT} (error 132005); shorten the value to ${Math.max(0, given.text.length - (filled - MAX_HEADER_TEXT))} characters or fewer`,
      };
    const name = h.variables[0];
    return named && name
      ? { type: "text", text: given.text, parameter_name: name }
      : { type: "text", text: given.text };
  }
  return given;
}

function buttonsCheck(shape: TemplateShape, given: readonly ButtonPart[]): PartsCheck | ButtonPart[] {
  const out: ButtonPart[] = [];
  const seen = new Set<number>();
  const n = shape.buttons.length;
  for (const b of given) {
    if (seen.has(b.index)) return { ok: false, problem: `buttons: index ${b.index} is given twice` };
    seen.add(b.index);
    const t = shape.buttons[b.index];
    if (t === undefined) {
      const has = n === 0 ? "the template has no buttons" : `the template has ${n} button(s), index 0–${n - 1}`;
      return { ok: false, problem: `buttons: index ${b.index} is extra: ${has}` };
    }
    const label = `button ${b.index} (${t.kind} "${t.text}")`;
    if (t.takes === "none" || t.subType === null)
      return { ok: false, problem: `${label} takes no parameter; leave index ${b.index} out` };
    const accepts = t.kind === "OTP" ? ["copy_code", "url"] : [t.subType];
    if (!accepts.includes(b.type)) return { ok: false, problem: `${label} expects type ${accepts[0]}, got ${b.type}` };
    if (b.value.trim() === "") return { ok: false, problem: `${label}: the value is empty` };
    if (t.kind === "COPY_CODE" && b.value.length > 15)
      return { ok: false, problem: `${label}: a copy-code value has at most 15 characters` };
    out.push({ index: b.index, type: t.subType, value: b.value });
  }
  const missing = shape.buttons.flatMap((t, i) => (t.takes === "required" && !seen.has(i) ? [i] : []));
  if (missing.length > 0) {
    const what = missing.map((i) => {
      const t = shape.buttons[i]!;
      const v = t.kind === "URL" ? "the URL suffix" : t.kind === "COPY_CODE" ? "the coupon code" : "the one-time code";
      return `button ${i} (${t.kind} "${t.text}") expects ${v}`;
    });
    return { ok: false, problem: `missing button parameter: ${what.join("; ")}` };
  }
  return out.toSorted((a, b) => a.index - b.index);
}

/** Checks a send's header and buttons against the template's stored components (rule 5). */
export function checkParts(shape: TemplateShape, named: boolean, parts: TemplateParts): PartsCheck {
  const header = headerCheck(shape, named, parts.header);
  if (header !== null && "ok" in header) return header;
  const buttons = buttonsCheck(shape, parts.buttons ?? []);
  if (!Array.isArray(buttons)) return buttons;
  return {
    ok: true,
    parts: { ...(header ? { header } : {}), ...(buttons.length > 0 ? { buttons } : {}) },
  };
}
