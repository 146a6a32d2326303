import type { MockContext } from "../context.js";
import type { GraphErrorInput } from "../error-catalog.js";
import { createTemplateSchema, issuesText } from "../template-schema.js";
import { scheduleReview } from "../template-review.js";
import type { TemplateComponent } from "../seed.js";
import { templateJson, type TemplateRecord } from "../templates.js";

const cursor = (i: number): string => Buffer.from(String(i)).toString("base64url");
const uncursor = (c: string | null): number | undefined => {
  if (c === null) return undefined;
  const n = Number(Buffer.from(c, "base64url").toString());
  return Number.isInteger(n) && n >= 0 ? n : undefined;
};

const FILTERS: readonly [string, (t: TemplateRecord) => string][] = [
  ["status", (t) => t.status],
  ["category", (t) => t.category],
  ["language", (t) => t.language],
];

/** GET /{version}/{waba_id}/message_templates with Graph cursor paging (`limit`, `after`, `before`). */
export function listTemplates(ctx: MockContext, wabaId: string, url: URL): object {
  const q = url.searchParams;
  const fields = q
    .get("fields")
    ?.split(",")
    .map((f) => f.trim())
    .filter(Boolean);
  const name = q.get("name");
  const all = ctx.state.templates.list(wabaId).filter(
    (t) =>
      (name === null || t.name.includes(name)) &&
      FILTERS.every(([param, get]) => {
        const want = q.get(param);
        return want === null || want.toUpperCase().split(",").includes(get(t).toUpperCase());
      }),
  );
  const limit = Math.min(Math.max(Number(q.get("limit") ?? 25) || 25, 1), 1000);
  const after = uncursor(q.get("after"));
  const before = uncursor(q.get("before"));
  const start = after !== undefined ? after + 1 : before !== undefined ? Math.max(0, before - limit) : 0;
  const page = all.slice(start, start + limit);
  const data = page.map((t) => templateJson(t, fields));
  if (page.length === 0) return { data };
  const last = start + page.length - 1;
  const link = (key: "after" | "before", value: string): string => {
    const u = new URL(url);
    u.searchParams.delete("after");
    u.searchParams.delete("before");
    u.searchParams.set(key, value);
    return u.toString();
  };
  const paging: Record<string, unknown> = { cursors: { before: cursor(start), after: cursor(last) } };
  if (last < all.length - 1) paging["next"] = link("after", cursor(last));
  if (start > 0) paging["previous"] = link("before", cursor(start));
  return { data, paging };
}

export type Created = { ok: true; body: object } | { ok: false; error: GraphErrorInput };

/** POST /{version}/{waba_id}/message_templates: stored as PENDING, reviewed after `template_review_delay_ms`. */
export function createTemplate(ctx: MockContext, wabaId: string, body: unknown): Created {
  const parsed = createTemplateSchema.safeParse(body);
  if (!parsed.success) return { ok: false, error: { code: 100, details: issuesText(parsed.error) } };
  const b = parsed.data;
  if (ctx.state.templates.find(wabaId, b.name, b.language) !== undefined) {
    return {
      ok: false,
      error: {
        code: 100,
        subcode: 2388024,
        details: `Content in this language already exists: ${b.name} (${b.language}).`,
      },
    };
  }
  const { record } = ctx.state.templates.upsert(wabaId, {
    id: ctx.state.templates.nextId(),
    name: b.name,
    language: b.language,
    category: b.category,
    status: "PENDING",
    parameter_format: b.parameter_format,
    components: b.category === "AUTHENTICATION" ? withAuthBody(b.components) : b.components,
  });
  scheduleReview(ctx, record, {
    ...(b.mock_review === undefined ? {} : { outcome: b.mock_review }),
    ...(b.mock_rejection_reason === undefined ? {} : { reason: b.mock_rejection_reason }),
  });
  return { ok: true, body: { id: record.id, status: record.status, category: record.category } };
}

/** Meta fixes an authentication template's body; a BODY without text gets it (sends then need the code as {{1}}). */
const AUTH_BODY = "{{1}} is your verification code.";
const AUTH_SECURITY = " For your security, do not share this code.";

function withAuthBody(components: readonly TemplateComponent[]): TemplateComponent[] {
  return components.map((c) =>
    c.type.toUpperCase() === "BODY" && c.text === undefined
      ? {
          ...c,
          text:
            AUTH_BODY +
            ((c as unknown as Record<string, unknown>)["add_security_recommendation"] === true ? AUTH_SECURITY : ""),
        }
      : c,
  );
}
