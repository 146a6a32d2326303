// Container health check (Dockerfile HEALTHCHECK, compose). Exit 0 = healthy.
// Usage: node /app/healthcheck.mjs [url]. Without a url the app's own /health is derived from its
// package name and the same OPS_PORT / PORT variables (and defaults) that @wa/config gives the app.
import { readFileSync } from "node:fs";

// package name -> [port variable, default port, path]; a default port 0 means "no HTTP server".
const APPS = {
  "@wa/webhook-receiver": ["PORT", 8080, "/health"],
  "@wa/mock-meta": ["PORT", 8081, "/_mock/health"],
  "@wa/delivery-worker": ["OPS_PORT", 9465, "/health"],
  "@wa/campaign-worker": ["OPS_PORT", 9466, "/health"],
  "@wa/scheduler": ["OPS_PORT", 9467, "/health"],
  "@wa/webhook-processor": ["OPS_PORT", 9468, "/health"],
  "@wa/mcp-gateway": ["OPS_PORT", 0, "/health"],
  "@wa/console": ["PORT", 8090, "/health"],
};

function target() {
  if (process.argv[2]) return process.argv[2];
  const ops = Number(process.env.OPS_PORT ?? 0);
  // A receiver (or any app) with OPS_PORT set: its ops server wins.
  if (ops > 0) return `http://127.0.0.1:${ops}/health`;
  const name = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")).name;
  const [variable, fallback, path] = APPS[name] ?? ["PORT", 0, "/health"];
  const port = Number(process.env[variable] ?? fallback);
  return port > 0 ? `http://127.0.0.1:${port}${path}` : undefined;
}

const url = target();
if (!url) process.exit(0); // stdio-only process (the MCP gateway): running is healthy
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(2500) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
