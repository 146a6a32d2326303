// A business of accounts.yaml keeps its customers under its own channel: "whatsapp" (the default business) or
// "whatsapp:<business_id>". policies.yaml was written when there was one business, so a policy on "whatsapp"
// keeps binding every business; "whatsapp:<business_id>" binds that business alone.

/** Whether a policy written for `policyChannel` applies to a message on `channel` (a business's channel). */
export function policyApplies(policyChannel: string, channel: string): boolean {
  return policyChannel === channel || (policyChannel === "whatsapp" && channel.startsWith("whatsapp:"));
}
