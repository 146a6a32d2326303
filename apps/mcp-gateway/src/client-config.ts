import { resolve } from "node:path";
import type { McpGatewayConfig } from "@wa/config";
import { redactUrl } from "@wa/config";

/** What to paste into Claude Desktop / Cursor (`mcpServers`) to start this gateway; secrets left as placeholders. */
export function clientConfigSnippet(mainPath: string, cfg: McpGatewayConfig): string {
  const env = {
    DATABASE_URL: redactUrl(cfg.DATABASE_URL),
    REDIS_URL: redactUrl(cfg.REDIS_URL),
    NATS_URL: cfg.NATS_URL,
    META_API_BASE_URL: cfg.META_API_BASE_URL,
    META_PHONE_NUMBER_ID: cfg.META_PHONE_NUMBER_ID,
    META_WABA_ID: cfg.META_WABA_ID,
    META_ACCESS_TOKEN: "<your token>",
    POLICIES_FILE: resolve(cfg.POLICIES_FILE), // clients start the process in an unknown directory
    ACCOUNTS_FILE: resolve(cfg.ACCOUNTS_FILE),
  };
  const config = { mcpServers: { whatsapp: { command: "node", args: [mainPath], env } } };
  return [
    "mcp-gateway speaks MCP on stdin/stdout: start it from an MCP client, not a terminal.",
    "Claude Desktop (claude_desktop_config.json) or Cursor (.cursor/mcp.json):",
    JSON.stringify(config, null, 2),
    `MCP Inspector: npx @modelcontextprotocol/inspector node ${mainPath}`,
    "",
  ].join("\n");
}
