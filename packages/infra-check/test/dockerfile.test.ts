import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, createMetrics, serveOps, type OpsServer } from "@wa/observability";
import { APP_NAMES, execForm, findRepoRoot, lastOf, parseDockerfile, stage } from "../src/index.js";

const root = findRepoRoot();
const file = parseDockerfile(readFileSync(join(root, "infra/Dockerfile"), "utf8"));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { packageManager: string };

describe("infra/Dockerfile", () => {
  it("builds the workspace once with the pinned pnpm and deploys one app per APP build arg", () => {
    const names = file.stages.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(["build", "deploy", "app", "migrate"]));
    const all = file.stages
      .flatMap((s) => s.instructions)
      .map((i) => `${i.keyword} ${i.args}`)
      .join("\n");
    expect(all).toContain(`npm install -g ${pkg.packageManager}`);
    expect(all).toContain("pnpm install --frozen-lockfile");
    expect(all).toMatch(/pnpm --filter "@wa\/\$\{APP\}" deploy --legacy --prod --store-dir \/pnpm\/store \/out\/app/);
    expect(stage(file, "deploy")?.instructions.some((i) => i.keyword === "ARG" && i.args.startsWith("APP"))).toBe(true);
  });

  it("uses the toolchain's Node 20 image for build and runtime", () => {
    const nodeArg = file.globalArgs.find((a) => a.args.startsWith("NODE_IMAGE="));
    expect(nodeArg?.args).toMatch(/^NODE_IMAGE=node:20\.\d+\.\d+-bookworm-slim$/);
    expect(stage(file, "app")?.from).toBe("${NODE_IMAGE}");
  });

  it("the runtime target is small, non-root, health-checked and starts node dist/main.js", () => {
    const app = stage(file, "app");
    if (!app) throw new Error("no app stage");
    expect(app.instructions.some((i) => i.keyword === "RUN")).toBe(false); // only copies the deployed folder
    expect(app.instructions.filter((i) => i.keyword === "COPY").every((i) => i.args.includes("--from=deploy"))).toBe(
      true,
    );
    expect(lastOf(app, "USER")?.args).toBe("node");
    expect(execForm(lastOf(app, "CMD")?.args ?? "")).toEqual(["node", "dist/main.js"]);
    const hc = lastOf(app, "HEALTHCHECK")?.args ?? "";
    expect(hc).toMatch(/--interval=\d+s/);
    expect(execForm(hc)).toEqual(["node", "/app/healthcheck.mjs"]);
  });

  it("the migrate target runs the migrations and the seed as non-root", () => {
    const migrate = stage(file, "migrate");
    if (!migrate) throw new Error("no migrate stage");
    expect(migrate.from).toBe("build");
    expect(lastOf(migrate, "USER")?.args).toBe("node");
    expect(lastOf(migrate, "CMD")?.args).toContain("node scripts/migrate.mjs && node scripts/seed.mjs");
  });

  it("ignores local build output and secrets in the build context", () => {
    const ignore = readFileSync(join(root, "infra/Dockerfile.dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim());
    expect(ignore).toEqual(expect.arrayContaining(["**/node_modules", "**/dist", ".env", ".git"]));
  });

  it("the health-check script knows every app folder, and every app has a config schema", () => {
    const script = readFileSync(join(root, "infra/healthcheck.mjs"), "utf8");
    const dirs = readdirSync(join(root, "apps"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    for (const dir of dirs) {
      expect(script, dir).toContain(`"@wa/${dir}"`);
      expect(APP_NAMES, dir).toContain(dir);
    }
  });
});

// The container health check, run for real against a real ops server (the one every app uses).
describe("infra/healthcheck.mjs", () => {
  let ops: OpsServer;
  let plain: Server;
  let plainPort = 0;
  const dir = mkdtempSync(join(tmpdir(), "wa-healthcheck-"));
  const script = join(dir, "healthcheck.mjs");

  beforeAll(async () => {
    copyFileSync(join(root, "infra/healthcheck.mjs"), script);
    ops = await serveOps({
      port: 0,
      host: "127.0.0.1",
      metrics: createMetrics({ defaultMetrics: false }),
      log: createLogger({ service: "t", level: "silent" }),
    });
    plain = createServer((req, res) => {
      res.writeHead(req.url === "/_mock/health" ? 200 : 404).end();
    });
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    plainPort = (plain.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await ops.close();
    await new Promise((resolve) => plain.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (args: string[], env: Record<string, string>, name: string) => {
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name }));
    return new Promise<number>((resolve) => {
      execFile(process.execPath, [script, ...args], { env: { PATH: process.env["PATH"] ?? "", ...env } }, (err) => {
        resolve(err ? Number((err as { code?: number }).code ?? 1) : 0);
      });
    });
  };

  it("exits 0 when /health answers 200 and 1 when nothing listens", async () => {
    expect(await run([`http://127.0.0.1:${ops.port}/health`], {}, "@wa/scheduler")).toBe(0);
    expect(await run([`http://127.0.0.1:${ops.port}/nope`], {}, "@wa/scheduler")).toBe(1);
    expect(await run([], { OPS_PORT: String(ops.port) }, "@wa/webhook-receiver")).toBe(0);
    await ops.close(); // close() is idempotent, so afterAll may call it again
    expect(await run([], { OPS_PORT: String(ops.port) }, "@wa/delivery-worker")).toBe(1);
  });

  it("derives the URL from the package name and PORT, and treats the stdio gateway as healthy", async () => {
    expect(await run([], { PORT: String(plainPort) }, "@wa/mock-meta")).toBe(0);
    expect(await run([], { PORT: String(plainPort) }, "@wa/webhook-receiver")).toBe(1); // /health is 404 here
    expect(await run([], {}, "@wa/mcp-gateway")).toBe(0);
  });
});
