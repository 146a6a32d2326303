import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { startMockMeta, type RunningMockMeta } from "@wa/mock-meta";
import { TWO_BUSINESSES, twoBusinessesOnMockMeta, writeTwoBusinesses } from "@wa/testkit";
import { setupEnv, type Env, type Gateway } from "./harness.js";
import { startInboundPipe } from "./inbound-pipe.js";

// Issue 15 through the real gateway: business x has numbers A and B (one WABA), business y has number C (another
// WABA) (@wa/testkit's TWO_BUSINESSES); mock-meta serves the same accounts, each WABA with its own token (another's
// answers 100/33), and its webhooks go through the real processor with the accounts.
export const { WX: WABA_X, WY: WABA_Y, A, B, C } = TWO_BUSINESSES;
export const B_DISPLAY = TWO_BUSINESSES.display.B;

export interface ManyNumbers {
  env: Env;
  meta: RunningMockMeta;
  gw: Gateway;
  pipe: Awaited<ReturnType<typeof startInboundPipe>>;
  /** A UK mobile unique to this run (no US marketing pause, no mock-meta trigger suffix). */
  customer(): string;
  close(): Promise<void>;
}

export async function startManyNumbers(overrides: Record<string, string> = {}): Promise<ManyNumbers> {
  // Tokens from files next to accounts.yaml: the gateway runs in this process and reads variables from
  // process.env, not from the env it is given; it reads each WABA's token at start (no app secret).
  const file = writeTwoBusinesses({ tokens: "file" });
  const [x, y] = twoBusinessesOnMockMeta();
  const meta = await startMockMeta({
    port: 0,
    webhookDelayMs: 10,
    accounts: [x, { ...y, numbers: [{ ...y.numbers[0]!, qualityRating: "YELLOW", verifiedName: "Y Shop" }] }],
  });
  const env = await setupEnv();
  const gw = await env.gateway({
    ACCOUNTS_FILE: file,
    META_API_BASE_URL: meta.url,
    META_ACCESS_TOKEN: TWO_BUSINESSES.env.X_TOKEN,
    META_PHONE_NUMBER_ID: A,
    META_WABA_ID: WABA_X,
    ...overrides,
  });
  const deps = gw.clients.deps;
  const pipe = await startInboundPipe({
    db: deps.db,
    metaUrl: meta.url,
    names: deps.cfg,
    accounts: deps.accounts,
    cache: { redis: deps.redis, keyPrefix: deps.cfg.REDIS_KEY_PREFIX },
  });
  let n = 0;
  return {
    env,
    meta,
    gw,
    pipe,
    customer: () => `4477009${String(process.pid % 1000).padStart(3, "0")}${String(++n).padStart(2, "0")}`,
    async close() {
      await pipe.close();
      await env.close();
      await meta.close();
      rmSync(dirname(file), { recursive: true, force: true });
    },
  };
}
