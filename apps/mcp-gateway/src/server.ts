import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import type { ToolDeps } from "./deps.js";
import type { Tool } from "./tools/define-tool.js";
import { TOOLS } from "./tools/index.js";
import { registerResources } from "./resources.js";
import { registerTools } from "./tools/registry.js";

const INSTRUCTIONS = `WhatsApp Business gateway with a compliance engine in front of every send.
- Before messaging someone, call check_compliance (or get_customer_context) and follow its suggested_action.
- Free-form text (send_message, reply_customer) only works inside the 24 h window opened by the customer's last message; outside it use send_template with an APPROVED template (list_templates).
- Refusals come back as isError results with structuredContent { reason_code, human_explanation, suggested_action }: relay the explanation, do what the action says, never retry blindly.
- Sends are queued: track them with get_delivery_status. Phone numbers need the country code.
- Read conversations with list_messages; learn that customers wrote with wait_for_messages or by subscribing to whatsapp://messages/new; fetch their files with get_media.`;

// Building an Ajv instance costs ~3 ms; the HTTP transport builds one server per request, so they share one.
let validator: AjvJsonSchemaValidator | undefined;

/** The MCP server with every tool registered; transport-agnostic (stdio in main, in-memory in tests). */
export function createGatewayServer(deps: ToolDeps, tools: readonly Tool[] = TOOLS): Server {
  const server = new Server(
    { name: "whatsapp-compliance-gateway", title: "WhatsApp compliance gateway", version: "0.1.0" },
    {
      capabilities: { tools: { listChanged: false }, resources: { subscribe: true, listChanged: false } },
      instructions: INSTRUCTIONS,
      jsonSchemaValidator: (validator ??= new AjvJsonSchemaValidator()),
    },
  );
  registerTools(server, tools, deps);
  registerResources(server, deps);
  return server;
}
