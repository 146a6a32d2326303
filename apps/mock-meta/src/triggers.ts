export type Trigger =
  | { readonly when: "sync"; readonly code: number }
  | { readonly when: "async"; readonly code: number; readonly afterSent: boolean };

/** Recipient-number suffixes that force an outcome (README "Trigger table"); phone recipients only. */
const RECIPIENT_TRIGGERS: Readonly<Record<string, Trigger>> = {
  "0001": { when: "sync", code: 131026 }, // undeliverable
  "0002": { when: "sync", code: 131049 }, // per-user marketing limit
  "0003": { when: "sync", code: 131050 }, // user stopped marketing messages
  "0004": { when: "async", code: 131026, afterSent: false }, // accepted, then `failed` without `sent`
  "0005": { when: "async", code: 131049, afterSent: true }, // accepted, `sent`, then `failed`
  "0006": { when: "async", code: 131050, afterSent: true },
  "0007": { when: "sync", code: 131000 }, // HTTP 500, transient
  "0008": { when: "sync", code: 133004 }, // HTTP 503, transient
  "0009": { when: "sync", code: 131048 }, // spam rate limit
  "0570": { when: "sync", code: 131057 }, // HTTP 500, account in maintenance (throughput upgrade); 1057 is hit by sequential test numbers
};

export function triggerFor(recipientDigits: string): Trigger | undefined {
  return RECIPIENT_TRIGGERS[recipientDigits.slice(-4)];
}
