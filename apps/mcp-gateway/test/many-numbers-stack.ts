import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockMeta, type RunningMockMeta } from "@wa/mock-meta";
import { setupEnv, type Env, type Gateway } from "./harness.js";
import { startInboundPipe } from "./inbound-pipe.js";

// Issue 15 through the real gateway: business X has numbers A and B (one WABA), business Y has number C (another
// WABA); mock-meta serves the same accounts, each WABA with its own token (another's answers 100/33), and its
// webhooks go through the real processor with the accounts.
export const WABA_X = "300000000000011";
export const WABA_Y = "300000000000012";
export const A = "310000000000011";
export const B = "310000000000012";
export const C = "320000000000011";
export const B_DISPLAY = "+1 555 0100 212";

// Tokens from files next to accounts.yaml: the gateway reads each WABA's token at start (no app secret).
const ACCOUNTS = `
businesses:
  - id: xco
    name: X Co
    default: true
    wabas:
      - id: "${WABA_X}"
        token: { file: x-token }
        app_secret: { env: X_SECRET }
        numbers:
          - { id: "${A}", display: "+1 555 0100 211", default: true }
          - { id: "${B}", display: "${B_DISPLAY}" }
  - id: yco
    name: Y Co
    wabas:
      - id: "${WABA_Y}"
        token: { file: y-token }
        app_secret: { env: Y_SECRET }
        numbers:
          - { id: "${C}", display: "+1 555 0100 221" }
`;

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
  const dir = mkdtempSync(join(tmpdir(), "gw-accounts-"));
  writeFileSync(join(dir, "accounts.yaml"), ACCOUNTS);
  writeFileSync(join(dir, "x-token"), "token-x\n");
  writeFileSync(join(dir, "y-token"), "token-y\n");
  const meta = await startMockMeta({
    port: 0,
    webhookDelayMs: 10,
    accounts: [
      {
        wabaId: WABA_X,
        token: "token-x",
        appSecret: "secret-x",
        numbers: [
          { phoneNumberId: A, displayPhoneNumber: "15550100211" },
          { phoneNumberId: B, displayPhoneNumber: "15550100212" },
        ],
      },
      {
        wabaId: WABA_Y,
        token: "token-y",
        appSecret: "secret-y",
        numbers: [{ phoneNumberId: C, qualityRating: "YELLOW", verifiedName: "Y Shop" }],
      },
    ],
  });
  const env = await setupEnv();
  const gw = await env.gateway({
    ACCOUNTS_FILE: join(dir, "accounts.yaml"),
    META_API_BASE_URL: meta.url,
    META_ACCESS_TOKEN: "token-x",
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
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
