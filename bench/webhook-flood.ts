// webhook-flood: 1,000 concurrent 3 MB POSTs to the real receiver process while Meta's small signed webhooks
// keep arriving (issue 21). Two floods: unsigned bodies (refused before any buffering), then bodies with a
// well-formed but forged signature (they must be read to be checked: the buffer budget bounds them, the rest get
// 503 + Retry-After). Measured: the receiver's peak RSS (VmHWM) and what the signed requests got meanwhile.
// Reference: the receiver's RSS at rest after a warm-up, same process.
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { fileURLToPath } from "node:url";
import { connectBus, ensureTopology } from "@wa/bus";
import { busNames, createTestDatabase, dropStreams, TEST_NATS_URL, TEST_REDIS_URL } from "@wa/testkit";
import type { BenchContext, BenchRow } from "./lib/types.js";

const RSS_CEILING_MB = 256;
const TARGET = `peak RSS ≤ ${RSS_CEILING_MB} MB under 1,000 concurrent 3 MB POSTs; every signed request meanwhile 200`;
const SECRET = "bench-app-secret";
const FLOOD = Number(process.env.BENCH_FLOOD_REQUESTS ?? 1000);
const FLOOD_BYTES = 3_000_000;
const SIGNED = Number(process.env.BENCH_FLOOD_SIGNED ?? 200);
const APP = new URL("../apps/webhook-receiver/", import.meta.url);

const kb = (pid: number, field: "VmRSS" | "VmHWM"): number =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN);
const mb = (k: number): number => k / 1024;

function statusBody(i: number): string {
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "200000000000001",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550001111", phone_number_id: "100000000000001" },
              statuses: [
                { id: `wamid.FLOOD${i}`, status: "delivered", timestamp: "1760000000", recipient_id: "6281234567890" },
              ],
            },
          },
        ],
      },
    ],
  });
}
const sign = (body: string | Buffer): string => `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;

interface Answer {
  status: number;
  ms: number;
  err?: string;
}
function post(port: number, agent: Agent, body: string | Buffer, headers: Record<string, string>): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/webhook",
        method: "POST",
        agent,
        timeout: 120_000,
        headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), ...headers },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
      },
    );
    // A refused upload may see its socket closed: the status it got (if any) is what counts.
    req.on("error", (e: NodeJS.ErrnoException) =>
      resolve({ status: 0, ms: performance.now() - t0, err: e.code ?? e.message }),
    );
    req.on("timeout", () => req.destroy());
    req.end(body);
  });
}

const pct = (xs: number[], q: number): number => {
  const s = xs.toSorted((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
};
const tally = (xs: Answer[]): string => {
  const by = new Map<string, number>();
  for (const x of xs) by.set(x.err ?? String(x.status), (by.get(x.err ?? String(x.status)) ?? 0) + 1);
  return [...by].map(([s, n]) => `${s}×${n}`).join(" ");
};

interface FloodResult {
  label: string;
  peakMb: number;
  flood: Answer[];
  signed: Answer[];
  seconds: number;
}

async function run(ctx: BenchContext): Promise<{ rows: BenchRow[] }> {
  const tdb = await createTestDatabase();
  const names = busNames();
  const admin = await connectBus({ url: TEST_NATS_URL, name: "bench-webhook-flood" });
  let receiver: ChildProcess | undefined;
  try {
    await ensureTopology(admin.jsm, names);
    const out: string[] = [];
    receiver = spawn(process.execPath, [fileURLToPath(new URL("dist/main.js", APP))], {
      env: {
        ...process.env,
        ...names,
        DATABASE_URL: tdb.url,
        REDIS_URL: TEST_REDIS_URL,
        NATS_URL: TEST_NATS_URL,
        META_APP_SECRET: SECRET,
        WEBHOOK_VERIFY_TOKEN: "bench",
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    receiver.stdout?.on("data", (b: Buffer) => {
      if (out.length < 50) out.push(b.toString());
    });
    receiver.stderr?.on("data", (b: Buffer) => out.push(b.toString()));
    const until = Date.now() + 20_000;
    let port = 0;
    while (!port) {
      port = Number(/"port":(\d+),"msg":"ready"/.exec(out.join(""))?.[1] ?? 0);
      if (Date.now() > until) throw new Error(`receiver did not start: ${out.join("").slice(0, 500)}`);
      if (!port) await new Promise((r) => setTimeout(r, 50));
    }
    const pid = receiver.pid!;
    const keep = new Agent({ keepAlive: true, maxSockets: 20 });

    // Warm-up: the signed path once per connection, so the reference RSS includes a working receiver.
    for (const a of await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const b = statusBody(-1 - i);
        return post(port, keep, b, { "x-hub-signature-256": sign(b) });
      }),
    )) {
      if (a.status !== 200) throw new Error(`warm-up got ${a.status}`);
    }
    const restMb = mb(kb(pid, "VmRSS"));

    const junk = Buffer.alloc(FLOOD_BYTES, 0x20);
    junk.write('{"object":"whatsapp_business_account","entry":[]}');
    let nextSigned = 0;
    const flood = async (label: string, headers: Record<string, string>): Promise<FloodResult> => {
      const floodAgent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
      const t0 = performance.now();
      const flooding = Promise.all(Array.from({ length: FLOOD }, () => post(port, floodAgent, junk, headers)));
      const state = { done: false };
      void flooding.then(() => (state.done = true));
      // Meta's traffic meanwhile: small signed bodies, 20 at a time, until the flood is answered (at least SIGNED).
      const signed: Answer[] = [];
      const worker = async () => {
        while (!state.done || signed.length < SIGNED) {
          const b = statusBody(nextSigned++);
          signed.push(await post(port, keep, b, { "x-hub-signature-256": sign(b) }));
        }
      };
      await Promise.all(Array.from({ length: 20 }, worker));
      const answers = await flooding;
      floodAgent.destroy();
      return { label, peakMb: mb(kb(pid, "VmHWM")), flood: answers, signed, seconds: (performance.now() - t0) / 1000 };
    };

    const results = [
      await flood("unsigned", {}),
      await flood("forged signature", { "x-hub-signature-256": `sha256=${"0".repeat(64)}` }),
    ];
    keep.destroy();
    for (const r of results) {
      ctx.log(
        `${r.label}: ${FLOOD} × ${FLOOD_BYTES / 1e6} MB in ${r.seconds.toFixed(1)} s → ${tally(r.flood)}; peak RSS ${r.peakMb.toFixed(0)} MB` +
          ` (at rest ${restMb.toFixed(0)} MB); signed meanwhile ${tally(r.signed)}, p50 ${pct(
            r.signed.map((x) => x.ms),
            0.5,
          ).toFixed(1)} ms` +
          ` p99 ${pct(
            r.signed.map((x) => x.ms),
            0.99,
          ).toFixed(1)} ms`,
      );
    }
    const peak = Math.max(...results.map((r) => r.peakMb));
    const unsigned = results[0]!;
    const signedAll = results.flatMap((r) => r.signed);
    const allSigned200 = signedAll.every((a) => a.status === 200);
    const pass = peak <= RSS_CEILING_MB && allSigned200;
    return {
      rows: [
        {
          name: "webhook-flood",
          n: signedAll.length,
          p50_ms: pct(
            signedAll.map((x) => x.ms),
            0.5,
          ),
          p99_ms: pct(
            signedAll.map((x) => x.ms),
            0.99,
          ),
          throughput_per_s: FLOOD / unsigned.seconds,
          target: TARGET,
          verdict: pass ? "PASS" : "MISS",
          notes:
            `peak RSS ${peak.toFixed(0)} MB (at rest ${restMb.toFixed(0)} MB); ` +
            results
              .map(
                (r) => `${r.label} flood: ${tally(r.flood)}, signed ${tally(r.signed)}, peak ${r.peakMb.toFixed(0)} MB`,
              )
              .join("; ") +
            `; p50/p99 = signed requests during the floods; throughput = unsigned flood requests answered/s`,
        },
      ],
    };
  } finally {
    if (receiver && receiver.exitCode === null) {
      const exited = new Promise((r) => receiver!.once("exit", r));
      receiver.kill("SIGTERM");
      await exited;
    }
    await dropStreams(admin.jsm, names);
    await admin.close();
    await tdb.drop();
  }
}

export const benchmark = { name: "webhook-flood", target: TARGET, run };
