import type { MockAccount } from "./accounts.js";
import type { KnobsPatch } from "./knobs.js";
import type { TemplateSeed } from "./seed.js";

/** pino-compatible subset, so main.ts can pass a pino child and tests can pass nothing. */
export interface MockLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface PhoneSeed {
  readonly id: string;
  readonly wabaId: string;
  readonly displayPhoneNumber: string;
  readonly verifiedName: string;
}

export interface MockMetaOptions {
  /** Several WABAs, each with its token, app secret and numbers; when set, the single-number fields below
   * (accessToken, appSecret, phoneNumberId, wabaId, displayPhoneNumber, verifiedName, extraPhones) are ignored. */
  accounts?: readonly MockAccount[];
  accessToken?: string; // default "mock-token"
  appSecret?: string; // default "mock-app-secret"
  webhookTargetUrl?: string;
  phoneNumberId?: string; // default phone "100000000000001"
  wabaId?: string; // default WABA "200000000000001"
  displayPhoneNumber?: string;
  verifiedName?: string;
  extraPhones?: readonly PhoneSeed[];
  templates?: readonly TemplateSeed[]; // default SEED_TEMPLATES, loaded into the default WABA
  throughputMps?: number; // default 80
  pairBurst?: number; // default 3
  pairIntervalMs?: number; // default 6000
  forceErrors?: Readonly<Record<string, number>>;
  latencyMs?: number;
  failureRate?: number;
  seed?: number; // PRNG seed for failure rate and webhook randomness
  webhookDelayMs?: number; // step between sent, delivered and read (default 200)
  knobs?: KnobsPatch; // any other runtime knob, same shape as POST /_mock/config
  maxCalls?: number; // call-log ring size (default 200,000)
  now?: () => number;
  log?: MockLog;
}

const noop = (): void => undefined;
export const SILENT_LOG: MockLog = { debug: noop, info: noop, warn: noop, error: noop };
