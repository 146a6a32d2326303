import type { Hono } from "hono";
import { z } from "zod";
import type { MockContext } from "../context.js";
import type { TemplateSeed } from "../seed.js";
import { setTemplateStatus } from "../template-review.js";
import { controlTemplateSchema, issuesText, type ControlTemplate } from "../template-schema.js";
import { placeholdersOf, templateJson, type TemplateRecord } from "../templates.js";
import { templateCategoryValue, templateQualityValue } from "../webhooks/waba-events.js";
import { json, readJson } from "./respond.js";

const bodySchema = z.union([
  z.object({ waba_id: z.string().optional(), templates: z.array(controlTemplateSchema) }),
  controlTemplateSchema.extend({ waba_id: z.string().optional() }).transform(({ waba_id, ...t }) => ({
    ...(waba_id === undefined ? {} : { waba_id }),
    templates: [t],
  })),
]);

const parse = async (req: Request) => bodySchema.safeParse(await readJson(req));

type Outcome = { ok: true; template: TemplateRecord } | { ok: false; error: string };

function toSeed(ctx: MockContext, t: ControlTemplate): TemplateSeed | string {
  if (t.name === undefined || t.language === undefined || t.components === undefined) {
    return `a new template needs name, language and components (${t.name ?? "?"})`;
  }
  const named = placeholdersOf(t.components).body.some((n) => !/^\d+$/.test(n));
  return {
    id: t.id ?? ctx.state.templates.nextId(),
    name: t.name,
    language: t.language,
    category: t.category ?? "UTILITY",
    status: t.status ?? "APPROVED",
    parameter_format: t.parameter_format ?? (named ? "NAMED" : "POSITIONAL"),
    components: t.components,
    ...(t.reason === undefined ? {} : { rejected_reason: t.reason }),
  };
}

/** Creates a template, or changes an existing one's status/category (emitting the status webhook on a change). */
function upsertOne(ctx: MockContext, wabaId: string, t: ControlTemplate): Outcome {
  const store = ctx.state.templates;
  const found =
    (t.id === undefined ? undefined : store.byId(t.id)) ??
    (t.name === undefined
      ? undefined
      : store.list(wabaId).find((x) => x.name === t.name && (t.language === undefined || x.language === t.language)));
  if (found === undefined || t.components !== undefined) {
    const seed = toSeed(ctx, { ...t, ...(found === undefined ? {} : { id: found.id }) });
    if (typeof seed === "string") return { ok: false, error: seed };
    const { record, previous } = store.upsert(wabaId, seed);
    if (previous !== undefined && previous !== record.status && t.emit_webhook)
      setTemplateStatus(ctx, record, record.status, t.reason);
    return { ok: true, template: record };
  }
  if (t.category !== undefined && t.category !== found.category) recategorize(ctx, found, t.category, t.emit_webhook);
  if (t.quality !== undefined) rescore(ctx, found, t.quality, t.emit_webhook);
  if (t.status !== undefined && t.status !== found.status) {
    if (t.emit_webhook) setTemplateStatus(ctx, found, t.status, t.reason);
    else found.status = t.status;
  }
  return { ok: true, template: found };
}

function recategorize(ctx: MockContext, t: TemplateRecord, to: TemplateRecord["category"], emit: boolean): void {
  const from = t.category;
  t.previousCategory = from;
  t.category = to;
  if (emit) ctx.webhooks.waba(t.wabaId, "template_category_update", templateCategoryValue(t, from), 0);
}

function rescore(ctx: MockContext, t: TemplateRecord, to: NonNullable<TemplateRecord["quality"]>, emit: boolean): void {
  const from = t.quality ?? (t.status === "PAUSED" ? "RED" : "GREEN");
  t.quality = to;
  if (emit && from !== to)
    ctx.webhooks.waba(t.wabaId, "message_template_quality_update", templateQualityValue(t, from), 0);
}

export function registerTemplateControl(app: Hono, ctx: MockContext): void {
  app.get("/_mock/templates", (c) => {
    const wabaId = c.req.query("waba_id") ?? ctx.state.defaultWabaId;
    return json({ data: ctx.state.templates.list(wabaId).map((t) => templateJson(t)) });
  });

  app.put("/_mock/templates", async (c) => {
    const parsed = await parse(c.req.raw);
    if (!parsed.success) return json({ error: issuesText(parsed.error) }, 400);
    const wabaId = parsed.data.waba_id ?? ctx.state.defaultWabaId;
    if (!ctx.state.wabaIds.has(wabaId)) return json({ error: `unknown waba_id ${wabaId}` }, 404);
    const seeds: TemplateSeed[] = [];
    for (const t of parsed.data.templates) {
      const seed = toSeed(ctx, t);
      if (typeof seed === "string") return json({ error: seed }, 400);
      seeds.push(seed);
    }
    ctx.state.templates.replaceAll(wabaId, seeds);
    return json({ data: ctx.state.templates.list(wabaId).map((t) => templateJson(t)) });
  });

  app.post("/_mock/templates", async (c) => {
    const parsed = await parse(c.req.raw);
    if (!parsed.success) return json({ error: issuesText(parsed.error) }, 400);
    const wabaId = parsed.data.waba_id ?? ctx.state.defaultWabaId;
    if (!ctx.state.wabaIds.has(wabaId)) return json({ error: `unknown waba_id ${wabaId}` }, 404);
    const data: object[] = [];
    for (const t of parsed.data.templates) {
      const r = upsertOne(ctx, wabaId, t);
      if (!r.ok) return json({ error: r.error }, 400);
      data.push(templateJson(r.template));
    }
    return json({ data });
  });
}
