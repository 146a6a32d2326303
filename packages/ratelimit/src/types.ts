export type LimiterSource = "redis" | "local";

export type TakeResult =
  | { readonly ok: true; readonly source: LimiterSource }
  | { readonly ok: false; readonly waitMs: number; readonly source: LimiterSource };

/** The get_rate_limit tool's shape (snake_case: it goes on the wire as is). */
export type PeekResult = {
  readonly capacity_mps: number;
  readonly tokens_remaining: number;
  readonly tokens_used: number; // taken in the current wall-clock second
  readonly last_update_at: string | null; // RFC 3339; null when the bucket is idle (full)
  readonly pair_limit_secs: number;
  readonly source: LimiterSource;
};
