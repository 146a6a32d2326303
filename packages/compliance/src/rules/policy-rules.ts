import type { LinkDomainsPolicy, Policy, SegmentExclusionPolicy, TimeRestrictionPolicy } from "../policy-schema.js";
import { policyApplies } from "../policy-channel.js";
import { quietStatus } from "../quiet-hours.js";
import { recipientTimezone } from "../recipient.js";
import { hhmm, parseHhmm } from "../zoned-time.js";
import {
  fail,
  iso,
  notEvaluable,
  type Outcome,
  pass,
  RULE_NAMES,
  type Rule,
  type RuleContext,
  skip,
} from "./context.js";

const ruleOf = (p: Policy): string => `policy:${p.id}`;

function timeRestriction(ctx: RuleContext, p: TimeRestrictionPolicy): Outcome {
  if (ctx.category === "authentication")
    return skip(ruleOf(p), "exempt: authentication codes are not held by quiet hours");
  const denyAfter = parseHhmm(p.rules.deny_after)!;
  const allowAfter = parseHhmm(p.rules.allow_after)!;
  const fallback = p.rules.default_timezone ?? ctx.options.defaultTimezone;
  const tz =
    p.rules.timezone === "recipient"
      ? recipientTimezone(ctx.recipient, ctx.facts.customer?.timezone ?? null, fallback)
      : { zone: p.rules.timezone, from: "the policy's zone" };
  const period = `${hhmm(denyAfter)}–${hhmm(allowAfter)} ${tz.zone}`;
  const status = quietStatus(ctx.facts.now, tz.zone, { denyAfter, allowAfter });
  const local = `${hhmm(status.localMinutes)} there now`;
  if (!status.quiet) return pass(ruleOf(p), `outside quiet hours ${period} (${tz.from}; ${local})`);
  const opens = iso(status.opensAt);
  return fail(ruleOf(p), `inside quiet hours ${period} (${tz.from}; ${local})`, {
    reason_code: "POLICY_RESTRICTION",
    human_explanation: `Policy "${p.name}" holds ${ctx.category} messages between ${hhmm(denyAfter)} and ${hhmm(allowAfter)} in ${tz.zone}; sending reopens at ${opens} (${hhmm(allowAfter)} local time).`,
    suggested_action: `Schedule it with schedule_message for ${opens} or later.`,
    opens_at: opens,
    policy_id: p.id,
  });
}

function segmentExclusion(ctx: RuleContext, p: SegmentExclusionPolicy): Outcome {
  const excluded = [...(p.rules.exclude_tags ?? []), ...(p.rules.exclude_tag ? [p.rules.exclude_tag] : [])];
  const tags = ctx.facts.customer?.tags ?? [];
  const hit = excluded.filter((t) => tags.includes(t));
  if (!hit.length) return pass(ruleOf(p), `customer has none of the excluded tags (${excluded.join(", ")})`);
  return fail(ruleOf(p), `customer is tagged ${hit.join(", ")}`, {
    reason_code: "POLICY_RESTRICTION",
    human_explanation: `Policy "${p.name}" excludes customers tagged ${hit.map((t) => `"${t}"`).join(", ")} from ${ctx.category} messages.`,
    suggested_action:
      "Do not send this kind of message to this customer; if the exclusion no longer applies, remove the tag with tag_customer.",
    policy_id: p.id,
  });
}

function linkDomains(ctx: RuleContext, p: LinkDomainsPolicy): Outcome {
  const hosts = ctx.request.link_hosts ?? [];
  if (!hosts.length) return skip(ruleOf(p), "the message carries no link");
  const allowed = p.rules.allowed_domains;
  const off = hosts.filter((h) => !allowed.some((d) => h === d || h.endsWith(`.${d}`)));
  if (!off.length) return pass(ruleOf(p), `every link is on an allowed domain (${allowed.join(", ")})`);
  return fail(ruleOf(p), `link host ${off.join(", ")} is not allowed`, {
    reason_code: "POLICY_RESTRICTION",
    human_explanation: `Policy "${p.name}" allows links only to ${allowed.join(", ")}; ${off.join(", ")} is not one of them.`,
    suggested_action: `Host the file on ${allowed[0]} (or a listed domain), or upload it with upload_media and pass media_id.`,
    policy_id: p.id,
  });
}

/** Rule 7: each enabled time_restriction / segment_exclusion / media_link_domains policy for this channel and category. */
export const policyRules: Rule = (ctx) => {
  const blocked = notEvaluable(ctx, RULE_NAMES.policies);
  if (blocked) return blocked;
  const applicable = ctx.facts.policies.filter(
    (p): p is TimeRestrictionPolicy | SegmentExclusionPolicy | LinkDomainsPolicy =>
      p.enabled &&
      p.type !== "frequency_limit" &&
      p.type !== "require_approval" && // matched by the send path, not a denial
      policyApplies(p.channel, ctx.channel) &&
      (p.message_type === "all" || p.message_type === ctx.category),
  );
  if (!applicable.length)
    return pass(RULE_NAMES.policies, `no business policy applies to ${ctx.category} messages on ${ctx.channel}`);
  return applicable.map((p) => {
    switch (p.type) {
      case "time_restriction":
        return timeRestriction(ctx, p);
      case "segment_exclusion":
        return segmentExclusion(ctx, p);
      case "media_link_domains":
        return linkDomains(ctx, p);
      default:
        return p satisfies never;
    }
  });
};
