import type { MockContext } from "./context.js";
import type { TemplateStatus } from "./seed.js";
import type { TemplateRecord } from "./templates.js";
import { templateStatusValue } from "./webhooks/waba-events.js";

const REASONS = [
  "ABUSIVE_CONTENT",
  "INCORRECT_CATEGORY",
  "INVALID_FORMAT",
  "PROMOTIONAL",
  "SCAM",
  "TAG_CONTENT_MISMATCH",
];

/** Changes a template's status and emits `message_template_status_update` like Meta's review does. */
export function setTemplateStatus(ctx: MockContext, t: TemplateRecord, status: TemplateStatus, reason?: string): void {
  t.status = status;
  const why = reason ?? (status === "REJECTED" ? "INVALID_FORMAT" : "NONE");
  if (status === "REJECTED") t.rejectedReason = why;
  ctx.webhooks.waba(t.wabaId, "message_template_status_update", templateStatusValue(t, why), 0);
}

export interface ReviewRequest {
  readonly outcome?: "APPROVED" | "REJECTED" | "PENDING"; // `mock_review` in the create body
  readonly reason?: string;
}

/**
 * Decides the review of a newly created template: names containing "hold" stay PENDING, names containing
 * "reject" (or `mock_review: "REJECTED"`) are REJECTED with the reason named in the name, else APPROVED.
 */
export function scheduleReview(ctx: MockContext, t: TemplateRecord, ask: ReviewRequest): void {
  const name = t.name.toUpperCase();
  const outcome =
    ask.outcome ?? (name.includes("HOLD") ? "PENDING" : name.includes("REJECT") ? "REJECTED" : "APPROVED");
  if (outcome === "PENDING") return;
  const reason =
    outcome === "REJECTED" ? (ask.reason ?? REASONS.find((r) => name.includes(r)) ?? "INVALID_FORMAT") : "NONE";
  const timer = setTimeout(() => {
    ctx.timers.delete(timer);
    if (ctx.state.templates.byId(t.id) === t && t.status === "PENDING") setTemplateStatus(ctx, t, outcome, reason);
  }, ctx.state.knobs.template_review_delay_ms);
  ctx.timers.add(timer);
}
