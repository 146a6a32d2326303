const TAG = /^[a-z0-9_-]{1,40}$/;

/** Tags that break the rule `[a-z0-9_-]{1,40}` (tools.md tag_customer); empty when all are fine. */
export function invalidTags(tags: readonly string[]): string[] {
  return tags.filter((t) => typeof t !== "string" || !TAG.test(t));
}
