import { placeOf, type Origin } from "./messages-field.js";
import { arr, digest, isObj, normalizeLanguage, obj, secondsToMs, str, type Obj } from "./read.js";
import type { WebhookEvent } from "./types.js";

function unknown(field: string, reason: string, value: Obj, origin: Origin): WebhookEvent {
  return {
    kind: "unknown",
    dedupKey: `unknown:${origin.wabaId}:${field}:${origin.entryTime ?? "-"}:${digest(value)}`,
    ...placeOf(origin),
    timestamp: origin.entryTime,
    raw: value,
    field,
    reason,
  };
}

/** Common part of the three template webhooks; null when the template id is missing. */
function templateBase(value: Obj, origin: Origin) {
  const templateId = str(value.message_template_id);
  if (templateId === null) return null;
  return {
    ...placeOf(origin),
    timestamp: origin.entryTime,
    raw: value,
    templateId,
    templateName: str(value.message_template_name),
    language: normalizeLanguage(value.message_template_language),
  };
}

const time = (o: Origin): string => (o.entryTime === null ? "-" : String(o.entryTime / 1000));

function templateStatus(value: Obj, origin: Origin): WebhookEvent[] {
  const base = templateBase(value, origin);
  const event = str(value.event);
  if (!base || !event)
    return [unknown("message_template_status_update", "template update without id or event", value, origin)];
  const other = obj(value.other_info);
  const rejection = obj(value.rejection_info);
  return [
    {
      kind: "template_status",
      dedupKey: `tpl:${base.templateId}:${event}:${time(origin)}`,
      ...base,
      event,
      reason: str(value.reason),
      category: str(value.message_template_category),
      disableDate: str(obj(value.disable_info)?.disable_date),
      otherInfo: other && { title: str(other.title), description: str(other.description) },
      rejectionInfo: rejection && { reason: str(rejection.reason), recommendation: str(rejection.recommendation) },
    },
  ];
}

function templateCategory(value: Obj, origin: Origin): WebhookEvent[] {
  const base = templateBase(value, origin);
  if (!base) return [unknown("template_category_update", "category update without template id", value, origin)];
  const newCategory = str(value.new_category);
  return [
    {
      kind: "template_category",
      dedupKey: `tplcat:${base.templateId}:${newCategory ?? "-"}:${time(origin)}`,
      ...base,
      previousCategory: str(value.previous_category),
      newCategory,
      correctCategory: str(value.correct_category),
    },
  ];
}

function templateQuality(value: Obj, origin: Origin): WebhookEvent[] {
  const base = templateBase(value, origin);
  if (!base) return [unknown("message_template_quality_update", "quality update without template id", value, origin)];
  const newScore = str(value.new_quality_score);
  return [
    {
      kind: "template_quality",
      dedupKey: `tplq:${base.templateId}:${newScore ?? "-"}:${time(origin)}`,
      ...base,
      previousQualityScore: str(value.previous_quality_score),
      newQualityScore: newScore,
    },
  ];
}

function userPreferences(value: Obj, origin: Origin): WebhookEvent[] {
  return arr(value.user_preferences)
    .filter(isObj)
    .map((p): WebhookEvent => {
      const waId = str(p.wa_id);
      const userId = str(p.user_id);
      const customerKey = waId ?? userId;
      const category = str(p.category);
      const choice = str(p.value);
      if (customerKey === null || category === null || choice === null) {
        return unknown("user_preferences", "preference without user, category or value", p, origin);
      }
      const timestamp = secondsToMs(p.timestamp) ?? origin.entryTime;
      return {
        kind: "user_preference",
        dedupKey: `pref:${customerKey}:${category}:${choice}:${timestamp ?? digest(p)}`,
        ...placeOf(origin),
        timestamp,
        raw: p,
        waId,
        userId,
        customerKey,
        category,
        value: choice,
        detail: str(p.detail),
      };
    });
}

function accountUpdate(value: Obj, origin: Origin): WebhookEvent[] {
  const event = str(value.event);
  if (!event) return [unknown("account_update", "account update without event", value, origin)];
  return [
    {
      kind: "account_update",
      dedupKey: `acct:${origin.wabaId}:${event}:${time(origin)}:${digest(value)}`,
      ...placeOf(origin),
      timestamp: origin.entryTime,
      raw: value,
      event,
      phoneNumber: str(value.phone_number),
      info: value,
    },
  ];
}

function phoneQuality(value: Obj, origin: Origin): WebhookEvent[] {
  const event = str(value.event);
  if (!event) return [unknown("phone_number_quality_update", "quality update without event", value, origin)];
  const display = str(value.display_phone_number) ?? origin.displayPhoneNumber;
  return [
    {
      kind: "phone_quality",
      dedupKey: `pq:${display ?? origin.wabaId}:${event}:${time(origin)}`,
      ...placeOf(origin),
      displayPhoneNumber: display,
      timestamp: origin.entryTime,
      raw: value,
      event,
      currentLimit: str(value.current_limit),
      oldLimit: str(value.old_limit),
    },
  ];
}

const HANDLERS: Record<string, (value: Obj, origin: Origin) => WebhookEvent[]> = {
  message_template_status_update: templateStatus,
  template_category_update: templateCategory,
  message_template_quality_update: templateQuality,
  user_preferences: userPreferences,
  account_update: accountUpdate,
  phone_number_quality_update: phoneQuality,
};

/** Events of every non-`messages` field; fields we do not model become `unknown` events. */
export function wabaFieldEvents(field: string, value: Obj, origin: Origin): WebhookEvent[] {
  const handler = Object.hasOwn(HANDLERS, field) ? HANDLERS[field] : undefined;
  return handler ? handler(value, origin) : [unknown(field, `field "${field}" is not modelled`, value, origin)];
}
