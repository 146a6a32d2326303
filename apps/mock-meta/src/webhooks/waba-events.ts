import type { TemplateRecord } from "../templates.js";

const PAUSE_INFO = { title: "FIRST_PAUSE", description: "Your template has been paused because of low quality." };

/** `message_template_status_update` value (meta-api.md §3); the template id is an integer on this webhook. */
export function templateStatusValue(t: TemplateRecord, reason: string): object {
  return {
    event: t.status,
    message_template_id: Number(t.id),
    message_template_name: t.name,
    message_template_language: t.language,
    reason,
    message_template_category: t.category,
    ...(t.status === "PAUSED" ? { other_info: PAUSE_INFO } : {}),
    ...(t.status === "DISABLED" ? { disable_info: { disable_date: Math.floor(Date.now() / 1000) } } : {}),
    ...(t.status === "REJECTED"
      ? { rejection_info: { reason, recommendation: "Review the template guidelines." } }
      : {}),
  };
}

const ref = (t: TemplateRecord) => ({
  message_template_id: Number(t.id),
  message_template_name: t.name,
  message_template_language: t.language,
});

/** `message_template_quality_update` value: Meta re-scored the template from recipients' feedback. */
export function templateQualityValue(t: TemplateRecord, previous: string): object {
  return { previous_quality_score: previous, new_quality_score: t.quality, ...ref(t) };
}

/** `template_category_update` value: Meta moved the template to another category. */
export function templateCategoryValue(t: TemplateRecord, previous: string): object {
  return { ...ref(t), previous_category: previous, new_category: t.category };
}

/** `phone_number_quality_update` value for a quality or throughput change made through the control API. */
export function qualityUpdateValue(displayPhoneNumber: string, event: string, currentLimit: string): object {
  return { display_phone_number: displayPhoneNumber, event, current_limit: currentLimit };
}
