// Hash tags keep every key of one phone number in one cluster slot, so one
// script may touch them all. Callers' ids are opaque; braces in them would break the tag.
const tag = (id: string): string => `{${id.replaceAll("{", "(").replaceAll("}", ")")}}`;

export const numberBucketKey = (prefix: string, phoneNumberId: string): string => `${prefix}rl:${tag(phoneNumberId)}:n`;
export const numberMpsKey = (prefix: string, phoneNumberId: string): string => `${prefix}rl:${tag(phoneNumberId)}:mps`;
export const pairBucketKey = (prefix: string, phoneNumberId: string, recipient: string): string =>
  `${prefix}rl:${tag(phoneNumberId)}:p:${recipient}`;
