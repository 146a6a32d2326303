import type { TemplateCategory, TemplateComponent, TemplateSeed, TemplateStatus } from "./seed.js";

export interface Placeholders {
  readonly header: readonly string[];
  readonly body: readonly string[];
  readonly headerMedia: boolean; // IMAGE/VIDEO/DOCUMENT/LOCATION header: one media parameter expected
  readonly bodyTextLength: number; // body text without its placeholders
  readonly headerFormat: string | null; // TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION; null without a header
  readonly buttons: readonly TemplateButton[]; // by index
}

/** A template button as a send's `button` component must address it; `subType` null: it takes no parameter. */
export interface TemplateButton {
  readonly kind: string;
  readonly subType: "url" | "quick_reply" | "copy_code" | null;
  readonly required: boolean;
}

function buttonOf(b: Record<string, unknown>): TemplateButton {
  const kind = String(b["type"] ?? "").toUpperCase();
  if (kind === "URL") {
    const dynamic = namesIn(typeof b["url"] === "string" ? b["url"] : undefined).length > 0;
    return { kind, subType: dynamic ? "url" : null, required: dynamic };
  }
  if (kind === "QUICK_REPLY") return { kind, subType: "quick_reply", required: false };
  if (kind === "COPY_CODE") return { kind, subType: "copy_code", required: true };
  if (kind === "OTP") return { kind, subType: "url", required: true }; // Meta takes the code as sub_type url
  return { kind, subType: null, required: false };
}

export interface TemplateRecord {
  readonly id: string;
  readonly wabaId: string;
  readonly name: string;
  readonly language: string;
  category: TemplateCategory;
  status: TemplateStatus;
  rejectedReason: string;
  quality: "GREEN" | "YELLOW" | "RED" | "UNKNOWN" | null; // null: derived from the status
  previousCategory: TemplateCategory | null; // set when Meta recategorizes it
  readonly parameterFormat: "POSITIONAL" | "NAMED";
  readonly components: readonly TemplateComponent[];
  readonly placeholders: Placeholders;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

function namesIn(text: string | undefined): string[] {
  if (text === undefined) return [];
  const names: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) if (m[1] !== undefined && !names.includes(m[1])) names.push(m[1]);
  return names;
}

export function placeholdersOf(components: readonly TemplateComponent[]): Placeholders {
  const header = components.find((c) => c.type.toUpperCase() === "HEADER");
  const body = components.find((c) => c.type.toUpperCase() === "BODY");
  const format = header?.format?.toUpperCase() ?? "TEXT";
  return {
    header: format === "TEXT" ? namesIn(header?.text) : [],
    body: namesIn(body?.text),
    headerMedia: header !== undefined && format !== "TEXT",
    bodyTextLength: (body?.text ?? "").replace(PLACEHOLDER, "").length,
    headerFormat: header === undefined ? null : format,
    buttons: (components.find((c) => c.type.toUpperCase() === "BUTTONS")?.buttons ?? []).map(buttonOf),
  };
}

export interface TemplateStore {
  byId(id: string): TemplateRecord | undefined;
  find(wabaId: string, name: string, language: string): TemplateRecord | undefined;
  list(wabaId: string): TemplateRecord[];
  upsert(wabaId: string, seed: TemplateSeed): { record: TemplateRecord; previous?: TemplateStatus };
  replaceAll(wabaId: string, seeds: readonly TemplateSeed[]): void;
  nextId(): string;
}

const key = (wabaId: string, name: string, language: string): string => `${wabaId}|${name}|${language}`;

/** `idBase` keeps ids created after a restart distinct from earlier runs (ids must stay < 2^53: integers in webhooks). */
export function createTemplateStore(idBase: number): TemplateStore {
  const byId = new Map<string, TemplateRecord>();
  const byKey = new Map<string, TemplateRecord>();
  let counter = 0;
  const store: TemplateStore = {
    byId: (id) => byId.get(id),
    find: (wabaId, name, language) => byKey.get(key(wabaId, name, language)),
    list: (wabaId) => [...byId.values()].filter((t) => t.wabaId === wabaId),
    upsert(wabaId, seed) {
      const existing = byKey.get(key(wabaId, seed.name, seed.language)) ?? byId.get(seed.id);
      if (existing !== undefined) {
        byId.delete(existing.id);
        byKey.delete(key(existing.wabaId, existing.name, existing.language));
      }
      const record: TemplateRecord = {
        id: existing?.id ?? seed.id,
        wabaId,
        name: seed.name,
        language: seed.language,
        category: seed.category,
        status: seed.status,
        rejectedReason: seed.rejected_reason ?? "NONE",
        quality: existing?.quality ?? null,
        previousCategory: existing?.previousCategory ?? null,
        parameterFormat: seed.parameter_format,
        components: seed.components,
        placeholders: placeholdersOf(seed.components),
      };
      byId.set(record.id, record);
      byKey.set(key(wabaId, record.name, record.language), record);
      return existing === undefined ? { record } : { record, previous: existing.status };
    },
    replaceAll(wabaId, seeds) {
      for (const t of store.list(wabaId)) {
        byId.delete(t.id);
        byKey.delete(key(wabaId, t.name, t.language));
      }
      for (const seed of seeds) store.upsert(wabaId, seed);
    },
    nextId() {
      counter += 1;
      return String(idBase + counter);
    },
  };
  return store;
}

/** Graph API shape of a template; `fields` narrows the answer like `?fields=status,name` (id always kept). */
export function templateJson(t: TemplateRecord, fields?: readonly string[]): Record<string, unknown> {
  const full: Record<string, unknown> = {
    name: t.name,
    parameter_format: t.parameterFormat,
    components: t.components,
    language: t.language,
    status: t.status,
    category: t.category,
    sub_category: null,
    rejected_reason: t.rejectedReason,
    previous_category: t.previousCategory,
    quality_score: { score: t.quality ?? (t.status === "PAUSED" ? "RED" : "GREEN") },
    id: t.id,
  };
  if (fields === undefined || fields.length === 0) return full;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in full) out[f] = full[f];
  out["id"] = t.id;
  return out;
}
