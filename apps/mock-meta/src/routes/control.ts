import type { Hono } from "hono";
import { z } from "zod";
import type { MockContext } from "../context.js";
import { knobsPatchSchema, applyKnobs } from "../knobs.js";
import { recipientKey } from "../recipient.js";
import { issuesText } from "../template-schema.js";
import { qualityUpdateValue } from "../webhooks/waba-events.js";
import { registerInboundControl } from "./control-inbound.js";
import { registerTemplateControl } from "./control-templates.js";
import { json, readJson } from "./respond.js";

const failNextSchema = z.object({
  count: z.number().int().min(1).default(1),
  code: z.number().int().default(131000),
  to: z.string().optional(),
  phone_number_id: z.string().optional(),
});
// A media id, or "upload" for the next upload: that call fails with the code (131052 download, 131053 upload).
const mediaFailSchema = z.object({
  media_id: z.string().min(1).default("upload"),
  code: z.number().int().default(131053),
});
const throughputSchema = z.object({
  phone_number_id: z.string().optional(),
  mps: z.number().positive(),
  burst: z.number().min(1).optional(), // bucket size, default one second of mps
});
const qualitySchema = z.object({
  phone_number_id: z.string().optional(),
  quality_rating: z.enum(["GREEN", "YELLOW", "RED", "UNKNOWN"]).optional(),
  messaging_limit: z
    .string()
    .regex(/^TIER_[A-Z0-9]+$/)
    .optional(),
});

const body = async <T extends z.ZodType>(req: Request, schema: T) => schema.safeParse(await readJson(req));

const TIERS = ["TIER_250", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED"];

/** The /_mock/* control API (never under a Graph version prefix). `reset` is createMockMeta's full reset. */
export function registerControlRoutes(app: Hono, ctx: MockContext, reset: () => void): void {
  const { state } = ctx;
  const phoneOr404 = (id: string | undefined) => state.phones.get(id ?? state.defaultPhoneId);

  app.get("/_mock/health", () => json({ ok: true }));
  app.post("/_mock/reset", () => {
    reset();
    return json({ ok: true });
  });

  app.get("/_mock/calls", (c) => {
    const q = c.req.query();
    const filter = {
      ...(q["to"] === undefined ? {} : { to: recipientKey(q["to"]) }),
      ...(q["phone_number_id"] === undefined ? {} : { phoneNumberId: q["phone_number_id"] }),
      ...(q["since"] === undefined ? {} : { since: Number(q["since"]) }),
    };
    const { calls, total, accepted } = state.calls.query(filter, Number(q["limit"] ?? 1000) || 1000);
    // Bodies only on request: a bench polling the log needs the facts, not every payload.
    const listed = q["include_body"] === "true" ? calls : calls.map(({ body: _b, ...rest }) => rest);
    return json({ total, accepted, calls: listed });
  });

  app.get("/_mock/stats", () =>
    json({ ...state.calls.stats(), webhooks: { ...ctx.webhooks.stats(), idle: ctx.webhooks.idle() } }),
  );

  app.get("/_mock/config", () => json(state.knobs));
  app.post("/_mock/config", async (c) => {
    const parsed = await body(c.req.raw, knobsPatchSchema);
    if (!parsed.success) return json({ error: issuesText(parsed.error) }, 400);
    state.knobs = applyKnobs(state.knobs, parsed.data);
    if (parsed.data.pair_burst !== undefined || parsed.data.pair_interval_ms !== undefined) {
      state.setPairLimits(state.knobs.pair_burst, state.knobs.pair_interval_ms);
    }
    return json(state.knobs);
  });

  app.post("/_mock/fail-next", async (c) => {
    const parsed = await body(c.req.raw, failNextSchema);
    if (!parsed.success) return json({ error: issuesText(parsed.error) }, 400);
    const { count, code, to, phone_number_id } = parsed.data;
    state.failNext.push({
      remaining: count,
      code,
      ...(to === undefined ? {} : { to: recipientKey(to) }),
      ...(phone_number_id === undefined ? {} : { phoneNumberId: phone_number_id }),
    });
    return json({ pending: state.failNext.map((r) => ({ remaining: r.remaining, code: r.code, to: r.to ?? null })) });
  });

  app.post("/_mock/media/fail-next", async (c) => {
    const parsed = await body(c.req.raw, mediaFailSchema);
    if (!parsed.success) return json({ error: issuesText(parsed.error) }, 400);
    state.media.failNext.set(parsed.data.media_id, parsed.data.code);
    return json({ pending: Object.fromEntries(state.media.failNext) });
  });

  app.post("/_mock/throughput", async (c) => {
    const parsed = await body(c.req.raw, throughputSchema);
    if (!parsed.success) return json({ error: issuesText(parsed.error) }, 400);
    const phone = phoneOr404(parsed.data.phone_number_id);
    if (phone === undefined) return json({ error: "unknown phone_number_id" }, 404);
    const upgraded = phone.mps < 1000 && parsed.data.mps >= 1000;
    phone.mps = parsed.data.mps;
    phone.burst = parsed.data.burst ?? parsed.data.mps;
    Object.assign(phone.bucket, { tokens: phone.burst, last: state.now() });
    if (upgraded) {
      const value = qualityUpdateValue(phone.displayPhoneNumber, "THROUGHPUT_UPGRADE", phone.messagingLimit);
      ctx.webhooks.waba(phone.wabaId, "phone_number_quality_update", value, 0);
    }
    return json({ phone_number_id: phone.id, mps: phone.mps, burst: phone.burst });
  });

  app.post("/_mock/quality", async (c) => {
    const parsed = await body(c.req.raw, qualitySchema);
    if (!parsed.success) return json({ error: issuesText(parsed.error) }, 400);
    const phone = phoneOr404(parsed.data.phone_number_id);
    if (phone === undefined) return json({ error: "unknown phone_number_id" }, 404);
    const { quality_rating: rating, messaging_limit: limit } = parsed.data;
    const event =
      rating !== undefined && rating !== phone.qualityRating
        ? rating === "GREEN"
          ? "UNFLAGGED"
          : "FLAGGED"
        : limit !== undefined && limit !== phone.messagingLimit
          ? TIERS.indexOf(limit) > TIERS.indexOf(phone.messagingLimit)
            ? "UPGRADE"
            : "DOWNGRADE"
          : undefined;
    if (rating !== undefined) phone.qualityRating = rating;
    if (limit !== undefined) phone.messagingLimit = limit;
    if (event !== undefined) {
      ctx.webhooks.waba(
        phone.wabaId,
        "phone_number_quality_update",
        qualityUpdateValue(phone.displayPhoneNumber, event, phone.messagingLimit),
        0,
      );
    }
    return json({
      phone_number_id: phone.id,
      quality_rating: phone.qualityRating,
      messaging_limit: phone.messagingLimit,
    });
  });

  registerInboundControl(app, ctx);
  registerTemplateControl(app, ctx);
}
