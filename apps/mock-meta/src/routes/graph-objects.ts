import type { MockContext } from "../context.js";
import type { PhoneState } from "../state.js";
import { templateJson } from "../templates.js";

const pick = (full: Record<string, unknown>, fields: readonly string[] | undefined): Record<string, unknown> => {
  if (fields === undefined || fields.length === 0) return full;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in full) out[f] = full[f];
  out["id"] = full["id"];
  return out;
};

function phoneJson(p: PhoneState): Record<string, unknown> {
  return {
    verified_name: p.verifiedName,
    code_verification_status: "VERIFIED",
    display_phone_number: `+${p.displayPhoneNumber}`,
    quality_rating: p.qualityRating,
    platform_type: "CLOUD_API",
    throughput: { level: p.mps >= 1000 ? "HIGH" : "STANDARD" },
    whatsapp_business_manager_messaging_limit: p.messagingLimit,
    name_status: "APPROVED",
    status: "CONNECTED",
    health_status: { can_send_message: p.qualityRating === "RED" ? "LIMITED" : "AVAILABLE" },
    is_on_biz_app: false,
    id: p.id,
  };
}

function wabaJson(id: string): Record<string, unknown> {
  return {
    id,
    name: "Mock WhatsApp Business Account",
    timezone_id: "1",
    currency: "USD",
    message_template_namespace: `mock_${id}`,
    status: "ACTIVE",
    business_verification_status: "verified",
    ownership_type: "SELF",
    country: "US",
    account_review_status: "APPROVED",
  };
}

/** GET /{version}/{id}: a phone number, a WABA or a template, like Graph's node lookup; undefined when unknown. */
export function lookupObject(ctx: MockContext, id: string, fields: readonly string[] | undefined): object | undefined {
  const phone = ctx.state.phones.get(id);
  if (phone !== undefined) return pick(phoneJson(phone), fields);
  if (ctx.state.wabaIds.has(id)) return pick(wabaJson(id), fields);
  const t = ctx.state.templates.byId(id);
  return t === undefined ? undefined : templateJson(t, fields);
}

export function phoneNumbersOf(ctx: MockContext, wabaId: string): object {
  const data = [...ctx.state.phones.values()].filter((p) => p.wabaId === wabaId).map(phoneJson);
  return { data, paging: { cursors: { before: "MAZDZD", after: "MjQZD" } } };
}
