import type { GraphErrorInput } from "./error-catalog.js";

// Graph's checks on media, interactive, location and reaction objects, with its error codes: a missing
// parameter is 100, a value out of range is 131009 with details naming the limit (as Graph words them).

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const missing = (param: string): GraphErrorInput => ({
  code: 100,
  message: `(#100) The parameter ${param} is required.`,
  details: `The parameter ${param} is required.`,
});
const invalid = (details: string): GraphErrorInput => ({ code: 131009, details });

function len(v: unknown, param: string, max: number, required = true): GraphErrorInput | null {
  if (v === undefined && !required) return null;
  if (typeof v !== "string" || v === "") return missing(param);
  const n = [...v].length;
  return n > max ? invalid(`${param} length invalid. Min length: 1, Max length: ${max}.`) : null;
}

function mediaRef(param: string, o: Obj, caption: boolean, filename: boolean): GraphErrorInput | null {
  const id = o["id"];
  const link = o["link"];
  if ((id === undefined) === (link === undefined)) return invalid(`Param ${param} must contain either 'id' or 'link'.`);
  if (link !== undefined && (typeof link !== "string" || !link.startsWith("https://")))
    return invalid(`Param ${param}['link'] must be a valid https URL.`);
  if (!caption && o["caption"] !== undefined)
    return invalid(`Param ${param}['caption'] is not supported for ${param}.`);
  if (!filename && o["filename"] !== undefined) return invalid(`Param ${param}['filename'] is only for documents.`);
  return caption ? len(o["caption"], `${param}['caption']`, 1024, false) : null;
}

function header(h: unknown, textOnly: boolean): GraphErrorInput | null {
  if (h === undefined) return null;
  if (!isObj(h)) return missing("interactive['header']");
  const t = h["type"];
  if (t === "text") return len(h["text"], "Header text", 60);
  if (textOnly || (t !== "image" && t !== "video" && t !== "document"))
    return invalid(`Header type ${String(t)} is not supported for this interactive message.`);
  const m = h[t];
  return isObj(m) ? mediaRef(`header['${t}']`, m, false, t === "document") : missing(`interactive['header']['${t}']`);
}

function uniqueIds(ids: unknown[]): GraphErrorInput | null {
  return new Set(ids).size === ids.length ? null : invalid("Button or row ids must be unique.");
}

function interactive(o: Obj): GraphErrorInput | null {
  const type = o["type"];
  const body = isObj(o["body"]) ? o["body"]["text"] : undefined;
  const b = len(body, "Body text", 1024);
  if (b) return b;
  const action = o["action"];
  if (!isObj(action)) return missing("interactive['action']");
  if (type === "location_request_message")
    return action["name"] === "send_location" ? null : invalid("Action name must be send_location.");
  const common =
    header(o["header"], type === "list") ??
    (o["footer"] === undefined ? null : len(isObj(o["footer"]) ? o["footer"]["text"] : undefined, "Footer text", 60));
  if (common) return common;
  if (type === "button") {
    const buttons = action["buttons"];
    if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3)
      return invalid("Number of buttons invalid. Min: 1, Max: 3.");
    for (const btn of buttons) {
      const r = isObj(btn) && btn["type"] === "reply" && isObj(btn["reply"]) ? btn["reply"] : null;
      if (!r) return missing("interactive['action']['buttons'][]['reply']");
      const e = len(r["title"], "Button title", 20) ?? len(r["id"], "Button id", 256);
      if (e) return e;
    }
    return uniqueIds(buttons.map((btn) => (btn as { reply: Obj }).reply["id"]));
  }
  if (type === "list") {
    const e = len(action["button"], "Button text", 20);
    if (e) return e;
    const sections = action["sections"];
    if (!Array.isArray(sections) || sections.length < 1 || sections.length > 10)
      return invalid("Number of sections invalid. Min: 1, Max: 10.");
    const rows: Obj[] = [];
    for (const s of sections) {
      if (!isObj(s) || !Array.isArray(s["rows"]) || s["rows"].length === 0)
        return missing("interactive['action']['sections'][]['rows']");
      const t = len(s["title"], "Section title", 24, sections.length === 1);
      if (t) return t;
      for (const row of s["rows"]) {
        if (!isObj(row)) return missing("interactive['action']['sections'][]['rows'][]");
        const r =
          len(row["id"], "Row id", 200) ??
          len(row["title"], "Row title", 24) ??
          len(row["description"], "Row description", 72, false);
        if (r) return r;
        rows.push(row);
      }
    }
    if (rows.length > 10) return invalid("Total row count exceed max allowed count: 10");
    return uniqueIds(rows.map((r) => r["id"]));
  }
  if (type === "cta_url") {
    const p = action["parameters"];
    if (action["name"] !== "cta_url" || !isObj(p)) return missing("interactive['action']['parameters']");
    const url = p["url"];
    if (typeof url !== "string" || !url.startsWith("https://"))
      return invalid("Parameter url must be a valid https URL.");
    return len(p["display_text"], "Display text", 20);
  }
  return invalid(`Interactive type ${String(type)} is not supported.`);
}

const EMOJI = /^(\p{Extended_Pictographic}|\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3)/u;

/** null when Graph would accept the object for `type`; otherwise its error. */
export function validateRich(type: string, o: Obj): GraphErrorInput | null {
  switch (type) {
    case "image":
    case "video":
    case "document":
      return mediaRef(type, o, true, type === "document");
    case "audio":
    case "sticker":
      return mediaRef(type, o, false, false);
    case "interactive":
      return interactive(o);
    case "location": {
      const lat = o["latitude"];
      const lon = o["longitude"];
      if (typeof lat !== "number" || Math.abs(lat) > 90) return invalid("Param location['latitude'] is invalid.");
      if (typeof lon !== "number" || Math.abs(lon) > 180) return invalid("Param location['longitude'] is invalid.");
      return null;
    }
    case "reaction": {
      if (typeof o["message_id"] !== "string" || o["message_id"] === "") return missing("reaction['message_id']");
      const e = o["emoji"];
      if (typeof e !== "string") return missing("reaction['emoji']");
      const one = [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(e)].length === 1;
      return e === "" || (one && EMOJI.test(e)) ? null : { code: 131009, details: "Reaction emoji is invalid." };
    }
    default:
      return null;
  }
}
