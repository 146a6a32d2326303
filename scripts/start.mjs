// `npm start`: the set-up, then every app that exists plus mock-meta; Ctrl-C stops them all.
import { existsSync } from "node:fs";
import { clientConfigText } from "./lib/client-config.mjs";
import { setup, ROOT } from "./lib/setup.mjs";
import { capture, log, warn } from "./lib/sh.mjs";
import { startApps, stopOnSignals } from "./lib/supervise.mjs";

// Long-running apps, in start order; `url` says where each listens.
const APPS = [
  { name: "mock-meta", env: { PORT: "8081" }, url: "http://127.0.0.1:8081 (Graph API double, /_mock/ control)" },
  { name: "webhook-receiver", env: { PORT: "8080" }, url: "http://127.0.0.1:8080/webhook (+ /health /ready /metrics)" },
  { name: "webhook-processor", env: { OPS_PORT: "9468" }, url: "ops http://127.0.0.1:9468/metrics" },
  { name: "delivery-worker", env: { OPS_PORT: "9465" }, url: "ops http://127.0.0.1:9465/metrics" },
  { name: "campaign-worker", env: { OPS_PORT: "9466" }, url: "ops http://127.0.0.1:9466/metrics" },
  { name: "scheduler", env: { OPS_PORT: "9467" }, url: "ops http://127.0.0.1:9467/metrics" },
  // Plain http on localhost: the session cookie cannot be Secure here (it is by default everywhere else).
  {
    name: "console",
    env: { PORT: "8090", CONSOLE_COOKIE_SECURE: "false" },
    url: "http://127.0.0.1:8090 (operator console + REST API /api/v1)",
  },
];
const { childEnv } = await setup();
const runnable = APPS.map((app) => ({ ...app, main: `${ROOT}apps/${app.name}/dist/main.js` })).filter((app) =>
  existsSync(app.main),
);
// The first console admin, created once per database; its password is printed this one time only.
let adminLine = null;
if (existsSync(`${ROOT}apps/console/dist/create-admin.js`)) {
  const r = capture(process.execPath, [`${ROOT}apps/console/dist/create-admin.js`, "admin", "--if-none"], {
    cwd: ROOT,
    env: childEnv,
  });
  if (r.code !== 0) warn(`console admin not created: ${r.out}`);
  adminLine = r.code === 0 && r.out ? r.out : null;
}
const children = startApps(runnable, { env: childEnv, warn });

const gateway = `${ROOT}apps/mcp-gateway/dist/main.js`;
log("running:");
for (const { app } of children) process.stderr.write(`  ${app.name.padEnd(18)} ${app.url}\n`);
if (existsSync(gateway)) {
  const { json, note } = clientConfigText(gateway, childEnv, ROOT);
  log("MCP client config (Claude Desktop / Cursor / MCP Inspector), paste into mcpServers:");
  process.stdout.write(`${json}\n`);
  for (const line of note) warn(line);
} else {
  warn("apps/mcp-gateway is not built yet: no MCP client config to print");
}
if (children.some(({ app }) => app.name === "console")) {
  log(
    adminLine
      ? `console: ${adminLine}`
      : "console: log in with your operator account (new one: pnpm console:create-admin <name> --role operator)",
  );
}
log("Ctrl-C stops everything");

stopOnSignals(children, { log });
if (!children.length) warn("no app is built yet");
