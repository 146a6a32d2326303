import { WINDOW_MS } from "@wa/config";
import { countryOf } from "@wa/meta";
import type { NewCall } from "./call-log.js";
import { emptyCall, type MockContext } from "./context.js";
import { graphError, type GraphErrorInput } from "./error-catalog.js";
import { takeToken } from "./rate-limiters.js";
import type { PhoneState } from "./state.js";
import { checkTemplateParams } from "./template-check.js";
import { triggerFor, type Trigger } from "./triggers.js";
import { validateSend, type SendRequest } from "./validate-send.js";
import { planStatuses, pricingFor } from "./webhooks/lifecycle.js";

export interface GraphAnswer {
  readonly status: number;
  readonly body: object;
}

type Msg = Extract<SendRequest, { kind: "message" }>;

export const unknownObject = (verb: "get" | "post", id: string): GraphErrorInput => ({
  code: 100,
  subcode: 33,
  type: "GraphMethodException",
  message:
    `Unsupported ${verb} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, ` +
    "or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
});

function takeFailNext(ctx: MockContext, phoneId: string, to: string): number | undefined {
  const rules = ctx.state.failNext;
  const i = rules.findIndex(
    (r) => (r.to === undefined || r.to === to) && (r.phoneNumberId === undefined || r.phoneNumberId === phoneId),
  );
  const rule = rules[i];
  if (rule === undefined) return undefined;
  rule.remaining -= 1;
  if (rule.remaining <= 0) rules.splice(i, 1);
  return rule.code;
}

// Meta accepts a marketing template to a US number, then reports it failed (131049) without `sent`: not charged.
const US_MARKETING_PAUSE: Trigger = { when: "async", code: 131049, afterSent: false };

/** +1 with a US area code; Canada and the Caribbean share +1 but are not paused. */
const isUsNumber = (req: Msg): boolean => req.to.kind === "phone" && countryOf(req.to.key) === "US";

/** Ordered refusal checks; returns the first Graph error, or the trigger/window facts needed to accept. */
function refuse(
  ctx: MockContext,
  phone: PhoneState,
  req: Msg,
  now: number,
): GraphErrorInput | { trigger?: Trigger; windowOpen: boolean; category: string | null } {
  const { state } = ctx;
  const k = state.knobs;
  const key = req.to.key;
  const failCode = state.failNext.length > 0 ? takeFailNext(ctx, phone.id, key) : undefined;
  if (failCode !== undefined) return { code: failCode };
  const forced = k.force_errors[key];
  if (forced !== undefined) return { code: forced };
  if (k.failure_rate > 0 && state.random() < k.failure_rate) {
    return { code: k.failure_codes[Math.floor(state.random() * k.failure_codes.length)] ?? 131000 };
  }
  if (!takeToken(phone.bucket, phone.burst, phone.mps / 1000, now)) return { code: 130429 };
  const trigger = k.triggers && req.to.kind === "phone" ? triggerFor(key) : undefined;
  if (trigger?.when === "sync") return { code: trigger.code };
  if (key === phone.displayPhoneNumber) return { code: 131021 };
  // A BSUID whose phone the mock knows shares that phone's window.
  const windowKey = req.to.kind === "bsuid" ? (state.identities.phoneOf(key) ?? key) : key;
  const last = state.lastInbound.get(`${phone.id}|${windowKey}`);
  const windowOpen = last !== undefined && now - last < WINDOW_MS;
  let category: string | null = null;
  if (req.template !== undefined) {
    const t = state.templates.find(phone.wabaId, req.template.name, req.template.language);
    if (t === undefined || t.status !== "APPROVED") {
      const code = t?.status === "PAUSED" ? 132015 : t?.status === "DISABLED" ? 132016 : 132001;
      return { code, details: `template name (${req.template.name}) does not exist in ${req.template.language}` };
    }
    if (t.category === "AUTHENTICATION" && req.to.kind === "bsuid") return { code: 131062 };
    const bad = checkTemplateParams(t, req.template.components);
    if (bad !== null) return bad;
    category = t.category;
  } else if (!windowOpen) return { code: 131047 };
  if (!state.pairs.take(`${phone.id}|${windowKey}`, now)) return { code: 131056 }; // one pair per user, by either id
  const paused = category === "MARKETING" && k.us_marketing_pause && isUsNumber(req);
  const fails = trigger ?? (paused ? US_MARKETING_PAUSE : undefined);
  return { ...(fails === undefined ? {} : { trigger: fails }), windowOpen, category };
}

/** POST /{version}/{phone_number_id}/messages. */
export function sendMessage(ctx: MockContext, phoneId: string, body: unknown, path: string): GraphAnswer {
  const { state } = ctx;
  const now = state.now();
  const call: NewCall = { ...emptyCall("POST", path, now), phone_number_id: phoneId, body: body ?? null };
  const fail = (e: GraphErrorInput, extra: Partial<NewCall>): GraphAnswer => {
    const err = graphError(e, state.random, state.knobs.throttle_http_status);
    state.calls.record({ ...call, ...extra, http_status: err.status, code: e.code });
    return err;
  };
  const phone = state.phones.get(phoneId);
  if (phone === undefined) return fail(unknownObject("post", phoneId), {});
  const v = validateSend(body);
  if (!v.ok) return fail(v.error, {});
  const req = v.req;
  if (req.kind === "mark_read") {
    state.calls.record({ ...call, type: "read" });
    return { status: 200, body: { success: true } };
  }
  const facts: Partial<NewCall> = {
    to: req.to.key,
    type: req.type,
    template_name: req.template?.name ?? null,
    template_language: req.template?.language ?? null,
    biz_opaque_callback_data: req.bizOpaque ?? null,
  };
  const r = refuse(ctx, phone, req, now);
  if ("code" in r) return fail(r, facts);
  const wamid = ctx.newWamid();
  state.calls.record({ ...call, ...facts, wamid });
  const isBsuid = req.to.kind === "bsuid";
  if (state.knobs.webhook_target_url !== null) {
    const plan = planStatuses(
      {
        wamid,
        recipientId: isBsuid ? "" : req.to.key,
        ...(userIdOf(ctx, req) === undefined ? {} : { recipientUserId: userIdOf(ctx, req) }),
        ...(req.bizOpaque === undefined ? {} : { bizOpaque: req.bizOpaque }),
        pricing: pricingFor(r.category, r.windowOpen),
        acceptedAt: now,
        ...(r.trigger?.when === "async"
          ? { asyncFailure: { code: r.trigger.code, afterSent: r.trigger.afterSent } }
          : {}),
      },
      state.knobs,
      state.random,
    );
    ctx.webhooks.statuses(phone.id, plan);
  }
  const contact = isBsuid
    ? { input: req.to.input, wa_id: "", user_id: req.to.key }
    : { input: req.to.input, wa_id: req.to.key };
  return { status: 200, body: { messaging_product: "whatsapp", contacts: [contact], messages: [{ id: wamid }] } };
}

/** recipient_user_id: the BSUID addressed, or the phone's BSUID when webhooks carry them (`user_ids`). */
function userIdOf(ctx: MockContext, req: Msg): string | undefined {
  if (req.to.kind === "bsuid") return req.to.key;
  return ctx.state.knobs.user_ids ? ctx.state.identities.bsuidOf(req.to.key) : undefined;
}
