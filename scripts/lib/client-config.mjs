// The MCP client config `npm start` prints. Secret values are shown only when they are the local dev defaults
// (harmless, and pasting them just works); anything else becomes a clear placeholder, never the real secret.
import { resolve } from "node:path";
import { DEV_ENV } from "./env.mjs";

const KEYS = [
  "DATABASE_URL",
  "REDIS_URL",
  "NATS_URL",
  "META_API_BASE_URL",
  "META_API_VERSION",
  "META_ACCESS_TOKEN",
  "META_PHONE_NUMBER_ID",
  "META_WABA_ID",
];
const SECRETS = new Set(["META_ACCESS_TOKEN"]);
const URLS = new Set(["DATABASE_URL", "REDIS_URL", "NATS_URL"]);
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@:]*)(?::([^/?#@]*))?@/i;

/** `scheme://user:pw@…` → `scheme://user:<password>@…`; a bare user outside Postgres is a token → `<token>`. */
function hideUrlSecret(url) {
  return url.replace(USERINFO, (whole, scheme, user, password) => {
    if (password !== undefined) return `${scheme}${user}:<password>@`;
    return /^postgres/i.test(scheme) ? whole : `${scheme}<token>@`;
  });
}

/** `{ env, hidden }`: the gateway's env block, and the keys whose real value was replaced by a placeholder. */
function mcpClientEnv(env, root) {
  const out = {};
  const hidden = [];
  for (const key of KEYS) {
    const value = env[key];
    if (value === undefined) continue;
    let shown = value;
    if (value !== DEV_ENV[key] && SECRETS.has(key)) shown = `<your ${key}>`;
    else if (value !== DEV_ENV[key] && URLS.has(key)) shown = hideUrlSecret(value);
    if (shown !== value) hidden.push(key);
    out[key] = shown;
  }
  // MCP clients start the gateway in a directory of their own: the policies and accounts files need absolute paths.
  out.POLICIES_FILE = resolve(root, env.POLICIES_FILE ?? "policies.yaml");
  out.ACCOUNTS_FILE = resolve(root, env.ACCOUNTS_FILE ?? "accounts.yaml");
  return { env: out, hidden };
}

/** The text to print: the JSON, then where the real values go when some were hidden. */
export function clientConfigText(gatewayMain, env, root) {
  const { env: block, hidden } = mcpClientEnv(env, root);
  const json = JSON.stringify(
    { mcpServers: { "whatsapp-gateway": { command: "node", args: [gatewayMain], env: block } } },
    null,
    2,
  );
  const note =
    hidden.length === 0
      ? []
      : [
          `${hidden.join(", ")}: not the local dev default${hidden.length > 1 ? "s" : ""}, so shown as <…> placeholders.`,
          "Put the real values into this env block in your MCP client's own config file (Claude Desktop:",
          "claude_desktop_config.json; Cursor: .cursor/mcp.json); they are the ones in .env or your environment here.",
        ];
  return { json, note };
}
