import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { busSubjects, connectBus, type BusNames } from "@wa/bus";
import type { Accounts } from "@wa/accounts";
import type { Db } from "@wa/db";
import type { Redis } from "ioredis";
import { createLogger } from "@wa/observability";
import { TEST_NATS_URL } from "@wa/testkit";
import { createWebhookProcessor } from "@wa/webhooks";
import { sql } from "kysely";

/**
 * The inbound half of the stack in this process: mock-meta's signed webhooks go straight to the real webhook
 * processor (the receiver's signature check has its own tests), which publishes its "a customer wrote" note on NATS
 * exactly as apps/webhook-processor does.
 */
export async function startInboundPipe(opts: {
  db: Db;
  metaUrl: string;
  names: BusNames;
  accounts: Accounts;
  /** The gateway's Redis: consent changes (STOP) write through to the cache the gateway reads, as in the apps. */
  cache?: { redis: Redis; keyPrefix: string };
}) {
  const bus = await connectBus({ url: TEST_NATS_URL, name: "inbound-pipe" });
  const subject = busSubjects(opts.names).inboundNew;
  const processor = createWebhookProcessor({
    db: opts.db,
    accounts: opts.accounts, // windows recorded with the number written to, as apps/webhook-processor does
    ...opts.cache,
    log: createLogger({ service: "inbound-pipe", level: "silent" }),
    onInbound: (n) => bus.nc.publish(subject, JSON.stringify({ customer_id: n.customerId, wamid: n.wamid })),
  });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      processor.processBody(Buffer.concat(chunks)).then(
        (r) => res.writeHead(r.pending > 0 ? 500 : 200).end(),
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
  await fetch(`${opts.metaUrl}/_mock/config`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ webhook_target_url: url }),
  });

  /** A customer message through mock-meta; resolves once the processor stored it. */
  async function inbound(msg: Record<string, unknown>): Promise<{ id: string; media_id?: string; sha256?: string }> {
    const res = await fetch(`${opts.metaUrl}/_mock/inbound`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(msg),
    });
    const out = ((await res.json()) as { messages: Array<{ id: string; media_id?: string; sha256?: string }> })
      .messages[0]!;
    await until(async () => {
      const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM messages WHERE wamid = ${out.id}`.execute(
        opts.db,
      );
      return (r.rows[0]?.n ?? 0) > 0;
    });
    return out;
  }

  return {
    inbound,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await bus.close();
    },
  };
}

export async function until(check: () => Promise<boolean>, what = "condition"): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}
