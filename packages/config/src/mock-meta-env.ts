import { z } from "zod";
import { DAY_MS } from "./defaults.js";
import { int, num, optionalUrl, text } from "./fields.js";
import { baseEnv, httpEnv } from "./fragments.js";

const FORCE_ENTRY = /^(\d+)=(\d+)$/;

/** "15550001=131026, 15550002=131047" → { "15550001": 131026, "15550002": 131047 } */
export function parseForceErrors(raw: string): Record<string, number> | string {
  const out: Record<string, number> = {};
  for (const entry of raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)) {
    const m = FORCE_ENTRY.exec(entry.replace(/\s*=\s*/, "="));
    if (!m?.[1] || !m[2]) return `expected "<recipient digits>=<error code>,…", bad entry "${entry}"`;
    out[m[1]] = Number(m[2]);
  }
  return out;
}

const forceErrors = z
  .string()
  .transform((raw, ctx) => {
    const parsed = parseForceErrors(raw);
    if (typeof parsed === "string") {
      ctx.issues.push({ code: "custom", message: parsed, input: raw, params: { echo: false } });
      return z.NEVER;
    }
    return parsed;
  })
  .default(() => ({}))
  .describe("recipient → Meta error code forced on every send, as 15550001=131026,…");

const DIGITS = { regex: /^\d+$/, expected: "expected digits only" };

const digits = z.string().regex(DIGITS.regex, { error: DIGITS.expected });
// One business number of a MOCK_META_ACCOUNTS entry; snake_case like every other JSON the mock speaks.
const accountNumber = z.object({
  phone_number_id: digits,
  display_phone_number: z.string().optional(),
  throughput_mps: z.number().int().min(1).max(100_000).optional(),
  quality_rating: z.enum(["GREEN", "YELLOW", "RED", "UNKNOWN"]).optional(),
  verified_name: z.string().optional(),
});
const account = z.object({
  waba_id: digits,
  token: z.string().min(1),
  app_secret: z.string().min(1),
  numbers: z.array(accountNumber).min(1),
});

// JSON in one variable, because a bench or a test stack hands the whole account list to one process. Problems are
// reported by path without echoing the value: it holds tokens and app secrets.
const accounts = z
  .string()
  .transform((raw, ctx) => {
    const quiet = (message: string) => {
      ctx.issues.push({ code: "custom", message, input: raw, params: { echo: false } });
      return z.NEVER;
    };
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return quiet("expected a JSON array of accounts");
    }
    const parsed = z.array(account).min(1).safeParse(json);
    if (parsed.success) return parsed.data;
    const first = parsed.error.issues[0];
    return quiet(`[${first?.path.join(".") ?? ""}] ${first?.message ?? "invalid"}`);
  })
  .optional()
  .describe(
    "several WABAs/numbers as JSON [{waba_id, token, app_secret, numbers:[{phone_number_id, …}]}]; unset = META_*",
  );

export const mockMetaEnv = z.object({
  ...baseEnv.shape,
  ...httpEnv(8081).shape,
  META_ACCESS_TOKEN: text("the bearer token the mock accepts", "mock-token"),
  META_APP_SECRET: text("the secret the mock signs its webhooks with", "mock-app-secret"),
  META_PHONE_NUMBER_ID: text("the mock's default business phone number id", "100000000000001", DIGITS),
  META_WABA_ID: text("the mock's default WhatsApp Business Account id", "200000000000001", DIGITS),
  WEBHOOK_TARGET_URL: optionalUrl("where the mock POSTs signed webhooks (unset = none sent)", ["http", "https"]),
  MOCK_META_ACCOUNTS: accounts,
  MOCK_META_THROUGHPUT_MPS: int("sends per second per phone number before error 130429", 80, { min: 1, max: 100_000 }),
  MOCK_META_PAIR_BURST: int("sends to one recipient allowed in a burst before error 131056", 3, { min: 1, max: 1000 }),
  MOCK_META_PAIR_INTERVAL_MS: int("refill interval of the per-recipient pair bucket", 6000, { min: 1, max: DAY_MS }),
  MOCK_META_FORCE_ERRORS: forceErrors,
  MOCK_META_LATENCY_MS: int("delay added before every Graph answer", 0, { min: 0, max: DAY_MS }),
  MOCK_META_FAILURE_RATE: num("share of valid sends failed with 131000/133004", 0, { min: 0, max: 1 }),
  MOCK_META_SEED: int("seed of the mock's random choices (failures, webhook jitter)", 42, { min: 0 }),
  MOCK_META_WEBHOOK_DELAY_MS: int("step between the sent, delivered and read webhooks", 200, { min: 0, max: DAY_MS }),
});
