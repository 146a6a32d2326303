// Starts the real built apps with the environment docker-compose.yml gives them (hosts pointed at the
// local services, isolated names), then checks what Kubernetes and Prometheus rely on: /health and
// /ready answer, /metrics announces every metric the dashboard and alerts read, SIGTERM drains to exit 0.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectBus, ensureTopology, type Bus } from "@wa/bus";
import { METRIC_NAMES } from "@wa/observability";
import {
  busNames,
  dropStreams,
  freePort,
  redisPrefix,
  TEST_NATS_URL,
  TEST_REDIS_URL,
  useTestDatabase,
  waitForHttp,
} from "@wa/testkit";
import {
  composeServices,
  dashboardQueries,
  EXTERNAL_METRICS,
  findRepoRoot,
  loadYamlFile,
  metricNamesInExpr,
  parseExposition,
  ruleQueries,
  serviceCommand,
  serviceEnv,
} from "../src/index.js";

const root = findRepoRoot();
const services = composeServices(loadYamlFile(join(root, "docker-compose.yml")));
const RUNNING = ["webhook-receiver", "webhook-processor", "delivery-worker", "campaign-worker", "scheduler"] as const;

// Every metric the dashboard and the alert rules read that an app (not an exporter) must provide.
const referenced = new Set(
  [
    ...dashboardQueries(JSON.parse(readFileSync(join(root, "infra/grafana/dashboards/wa-gateway.json"), "utf8"))),
    ...ruleQueries(loadYamlFile(join(root, "infra/prometheus/alerts.yml"))),
  ]
    .flatMap((q) => [...metricNamesInExpr(q.expr)])
    .filter((n) => !Object.hasOwn(EXTERNAL_METRICS, n))
    .map((n) => n.replace(/_(bucket|sum|count)$/, "")),
);

/** `${VAR:-default}` -> default (the value compose uses when the caller sets nothing). */
function interpolate(value: string): string {
  return value.replace(/\$\{[A-Z0-9_]+(?::-([^}]*))?\}/g, (_m, fallback: string | undefined) => fallback ?? "");
}

interface Running {
  name: string;
  port: number;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const db = useTestDatabase();
const names = busNames();
const running: Running[] = [];
let bus: Bus;

async function waitReady(r: Running): Promise<void> {
  await waitForHttp(`http://127.0.0.1:${r.port}/ready`, r.child, { timeoutMs: 25_000 }).catch((err: Error) => {
    throw new Error(`${r.name}: ${err.message}:\n${r.output()}`);
  });
}

beforeAll(async () => {
  bus = await connectBus({ url: TEST_NATS_URL, name: "infra-check" });
  await ensureTopology(bus.jsm, names); // the receiver is ready only once the streams exist
  const prefix = redisPrefix();
  for (const name of RUNNING) {
    const svc = services.get(name);
    if (!svc) throw new Error(`no compose service ${name}`);
    const [, entry = "dist/main.js"] = serviceCommand(svc);
    const main = join(root, "apps", name, entry);
    if (!existsSync(main)) throw new Error(`${main} is missing: build the apps first (pnpm turbo run build)`);
    const env = Object.fromEntries([...serviceEnv(svc)].map(([k, v]) => [k, interpolate(v)]));
    const portVar = env["OPS_PORT"] ? "OPS_PORT" : "PORT";
    const port = await freePort();
    Object.assign(env, {
      [portVar]: String(port),
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      NATS_URL: TEST_NATS_URL,
      ...names,
      ...(env["META_API_BASE_URL"] ? { META_API_BASE_URL: "http://127.0.0.1:9" } : {}), // no Meta call is needed here
      LOG_LEVEL: "warn",
    });
    const child = spawn(process.execPath, [main], {
      cwd: join(root, "apps", name),
      env: { PATH: process.env["PATH"] ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout?.on("data", (b: Buffer) => void (out += b.toString()));
    child.stderr?.on("data", (b: Buffer) => void (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    running.push({ name, port, child, output: () => out, exited });
  }
  await Promise.all(running.map(waitReady));
}, 60_000);

afterAll(async () => {
  for (const r of running) if (r.child.exitCode === null) r.child.kill("SIGKILL");
  await Promise.all(running.map((r) => r.exited));
  await dropStreams(bus?.jsm, names);
  await bus?.close();
});

describe("the apps started with their compose environment", () => {
  it("answer /health and /ready on the port the probes and health checks use", async () => {
    expect(running.map((r) => r.name)).toEqual([...RUNNING]);
    for (const r of running) {
      expect((await fetch(`http://127.0.0.1:${r.port}/health`)).status, r.name).toBe(200);
      expect((await fetch(`http://127.0.0.1:${r.port}/ready`)).status, r.name).toBe(200);
    }
  });

  it("announce on /metrics every metric the dashboard and the alert rules read", async () => {
    expect(referenced.size).toBeGreaterThan(10);
    for (const r of running) {
      const families = parseExposition(await (await fetch(`http://127.0.0.1:${r.port}/metrics`)).text());
      const missing = [...referenced, ...METRIC_NAMES].filter((n) => !families.has(n));
      expect(missing, `${r.name} /metrics lacks`).toEqual([]);
    }
  });

  it("drain and exit 0 on SIGTERM (what docker stop and a pod termination send)", async () => {
    for (const r of running) r.child.kill("SIGTERM");
    const codes = await Promise.all(running.map((r) => r.exited));
    expect(Object.fromEntries(running.map((r, i) => [r.name, codes[i]]))).toEqual(
      Object.fromEntries(RUNNING.map((n) => [n, 0])),
    );
  });
});
