import { type ChildProcess, spawn } from "node:child_process";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { signBody } from "@wa/meta";
import { createLogger, createMetrics, type Logger } from "@wa/observability";
import { redisPrefix, TEST_NATS_URL, TEST_REDIS_URL } from "@wa/testkit";

export const APP_SECRET = "test-app-secret-123";
export const VERIFY_TOKEN = "verify-me-456";

/** A logger whose JSON lines are kept in memory, so tests can check what is (not) logged. */
export function memoryLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split("\n").filter(Boolean));
      cb();
    },
  });
  return { log: createLogger({ service: "webhook-receiver-test", level: "debug", destination: stream }), lines };
}

export const testMetrics = () => createMetrics({ service: "webhook-receiver-test", defaultMetrics: false });

export function signed(
  body: string | Uint8Array,
  secret = APP_SECRET,
): { body: string | Uint8Array; headers: Record<string, string> } {
  return { body, headers: { "content-type": "application/json", "x-hub-signature-256": signBody(body, secret) } };
}

export function statusBody(
  statuses: Array<{ id: string; status: string; timestamp?: number; biz?: string; recipient?: string }>,
  wabaId = "200000000000001",
): string {
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: wabaId,
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550001111", phone_number_id: "100000000000001" },
              statuses: statuses.map((s) => ({
                id: s.id,
                status: s.status,
                timestamp: String(s.timestamp ?? 1_760_000_000),
                recipient_id: s.recipient ?? "6281234567890",
                ...(s.biz ? { biz_opaque_callback_data: s.biz } : {}),
              })),
            },
          },
        ],
      },
    ],
  });
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Stops a spawned process (SIGTERM) and resolves once it has exited; an absent or exited one resolves at once. */
export const stop = (p: ChildProcess | undefined) =>
  new Promise<void>((resolve) => {
    if (!p || p.exitCode !== null) return resolve();
    p.once("exit", () => resolve());
    p.kill("SIGTERM");
  });

/** The built receiver and webhook-processor, spawned as deployed, their stdout and stderr kept in `output`. */
export function processStack() {
  const output: string[] = [];
  let processor: ChildProcess | undefined;
  let receiver: ChildProcess | undefined;
  /** Spawns a built file (relative to this app) with the test's environment on top of this process's. */
  const start = (file: string, env: Record<string, string>): ChildProcess => {
    const p = spawn(process.execPath, [fileURLToPath(new URL(`../${file}`, import.meta.url))], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    p.stdout?.on("data", (b: Buffer) => output.push(b.toString()));
    p.stderr?.on("data", (b: Buffer) => output.push(b.toString()));
    return p;
  };
  return {
    output,
    start,
    /** Starts the processor, then the receiver (real listen on 127.0.0.1); resolves with the receiver's base URL. */
    async up(env: Record<string, string>): Promise<string> {
      const all = {
        REDIS_URL: TEST_REDIS_URL,
        NATS_URL: TEST_NATS_URL,
        REDIS_KEY_PREFIX: redisPrefix(),
        WEBHOOK_VERIFY_TOKEN: VERIFY_TOKEN,
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "info",
        INBOX_DRAIN_MS: "100",
        ...env,
      };
      processor = start("../webhook-processor/dist/main.js", { ...all, OPS_PORT: "0" });
      await waitFor(
        "processor ready",
        async () => /"service":"webhook-processor".*"msg":"ready"/.test(output.join("")),
        20_000,
      );
      receiver = start("dist/main.js", all);
      const port = await waitFor(
        "receiver port",
        async () => {
          const m = /"port":(\d+),"msg":"ready"/.exec(output.join(""));
          return m ? Number(m[1]) : null;
        },
        20_000,
      );
      return `http://127.0.0.1:${port}`;
    },
    /** Stops the receiver, then the processor. */
    async down(): Promise<void> {
      await stop(receiver);
      await stop(processor);
    },
  };
}
