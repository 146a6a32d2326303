import { resolveAccounts, type AccountCredentials, type QualityRating } from "./accounts.js";
import { createCallLog, type CallLog } from "./call-log.js";
import { createIdentities, type Identities } from "./identities.js";
import { applyKnobs, defaultKnobs, type MockKnobs } from "./knobs.js";
import type { MockMetaOptions, PhoneSeed } from "./options.js";
import { createRandom, type Random } from "./prng.js";
import { createMediaStore, type MediaStore } from "./media.js";
import { createKeyedLimiter, type Bucket, type KeyedLimiter } from "./rate-limiters.js";
import { createTemplateStore, type TemplateStore } from "./templates.js";

export interface PhoneState extends PhoneSeed {
  qualityRating: QualityRating;
  messagingLimit: string; // e.g. TIER_250
  mps: number;
  burst: number;
  readonly bucket: Bucket;
}

interface FailRule {
  remaining: number;
  readonly code: number;
  readonly to?: string;
  readonly phoneNumberId?: string;
}

export interface MockState {
  knobs: MockKnobs;
  readonly phones: Map<string, PhoneState>;
  readonly wabaIds: ReadonlySet<string>;
  /** WABA id → its token, app secret and seed templates. */
  readonly accounts: ReadonlyMap<string, AccountCredentials>;
  readonly templates: TemplateStore;
  readonly media: MediaStore;
  readonly lastInbound: Map<string, number>; // `${phoneId}|${recipient}` → ms of the last inbound message
  readonly identities: Identities; // phone ↔ BSUID pairs; windows and limits key on the phone when one is known
  readonly pairs: KeyedLimiter;
  failNext: FailRule[];
  readonly calls: CallLog;
  readonly random: Random;
  readonly now: () => number;
  readonly defaultPhoneId: string;
  readonly defaultWabaId: string;
  setPairLimits(burst: number, intervalMs: number): void;
  reset(): void;
}

function initialKnobs(o: MockMetaOptions): MockKnobs {
  return applyKnobs(defaultKnobs(o.webhookDelayMs ?? 200), {
    webhook_target_url: o.webhookTargetUrl ?? null,
    pair_burst: o.pairBurst ?? 3,
    pair_interval_ms: o.pairIntervalMs ?? 6000,
    force_errors: { ...o.forceErrors },
    latency_ms: o.latencyMs ?? 0,
    failure_rate: o.failureRate ?? 0,
    ...o.knobs,
  });
}

export function createState(o: MockMetaOptions): MockState {
  const now = o.now ?? Date.now;
  const resolved = resolveAccounts(o);
  const seeds = resolved.numbers;
  const accounts = new Map(resolved.accounts.map((a) => [a.wabaId, a]));
  // The first number of the first account is what control routes use when no phone_number_id is given.
  const defaultPhoneId = seeds[0]?.id ?? "";
  const defaultWabaId = resolved.accounts[0]?.wabaId ?? "";
  const knobs = initialKnobs(o);
  const pairs = createKeyedLimiter(knobs.pair_burst, 1 / knobs.pair_interval_ms);
  const templates = createTemplateStore(910_000_000_000_000 + (Math.floor(Date.now() / 1000) % 10_000_000) * 10_000);
  const state: MockState = {
    knobs,
    phones: new Map(),
    wabaIds: new Set(accounts.keys()),
    accounts,
    templates,
    media: createMediaStore(1_000_000_000_000_000 + (Math.floor(Date.now() / 1000) % 10_000_000) * 10_000),
    lastInbound: new Map(),
    identities: createIdentities(),
    pairs,
    failNext: [],
    calls: createCallLog(o.maxCalls ?? 200_000),
    random: createRandom(o.seed ?? Date.now()),
    now,
    defaultPhoneId,
    defaultWabaId,
    setPairLimits(burst, intervalMs) {
      state.knobs = { ...state.knobs, pair_burst: burst, pair_interval_ms: intervalMs };
      pairs.configure(burst, 1 / intervalMs);
      pairs.clear();
    },
    reset() {
      state.knobs = initialKnobs(o);
      state.phones.clear();
      const t = now();
      for (const { mps, ...p } of seeds) {
        state.phones.set(p.id, {
          ...p,
          messagingLimit: "TIER_250",
          mps,
          burst: mps,
          bucket: { tokens: mps, last: t },
        });
      }
      state.lastInbound.clear();
      state.identities.clear();
      state.media.clear();
      pairs.configure(state.knobs.pair_burst, 1 / state.knobs.pair_interval_ms);
      pairs.clear();
      state.failNext = [];
      state.calls.clear();
      for (const a of accounts.values()) templates.replaceAll(a.wabaId, a.templates);
    },
  };
  state.reset();
  return state;
}
