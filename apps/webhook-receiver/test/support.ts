import { Writable } from "node:stream";
import { signBody } from "@wa/meta";
import { createLogger, createMetrics, type Logger } from "@wa/observability";

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
