import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { toJsonSchemaCompat } from "@modelcontextprotocol/sdk/server/zod-json-schema-compat.js";
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool as ListedTool } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { ToolDeps } from "../deps.js";
import { deny, isDenial, type Tool } from "./define-tool.js";
import { portable } from "./portable-schema.js";
import { fromError, refusal, refusalSchema, success } from "./results.js";

// The SDK turns input-schema failures into text-only errors, so it gets a schema that accepts any
// object; each tool parses strictly itself (defineTool) and answers with a reason code.
const ANY_ARGUMENTS = z.looseObject({});

/** Registers every tool; hidden ones stay callable (they answer TOOL_DISABLED) but are not listed. */
export function registerTools(server: McpServer, tools: readonly Tool[], deps: ToolDeps): void {
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        annotations: tool.annotations,
        inputSchema: ANY_ARGUMENTS,
        outputSchema: tool.output,
      },
      (args) => invoke(tool, args, deps),
    );
  }
  const listed = tools.filter((t) => deps.exposure.hiddenBecause(t) === null).map(listing);
  // Replaces McpServer's own tools/list handler (Protocol.setRequestHandler replaces by design):
  // it would publish the permissive schema above and could not hide a tool that must stay callable.
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listed }));
  // Likewise for tools/call: McpServer answers an unknown name with a text-only error (no reason_code).
  const byName = new Map(tools.map((t) => [t.name, t]));
  server.server.setRequestHandler(CallToolRequestSchema, (request) => {
    const tool = byName.get(request.params.name);
    if (tool) return invoke(tool, request.params.arguments, deps);
    const name = String(request.params.name).slice(0, 80);
    return refusal(deny("NOT_FOUND", `This gateway has no tool named "${name}".`, "Call tools/list for the available tools and their arguments."));
  });
}

async function invoke(tool: Tool, args: unknown, deps: ToolDeps): Promise<CallToolResult> {
  const hidden = deps.exposure.hiddenBecause(tool);
  if (hidden !== null) {
    return refusal(deny("TOOL_DISABLED", hidden, "Use another tool (tools/list shows the available ones) or ask the operator to enable it."));
  }
  try {
    const result = await tool.call(args, deps);
    if (isDenial(result)) return refusal(result);
    const parsed = tool.output.safeParse(result);
    if (!parsed.success) {
      deps.log.error({ tool: tool.name, issues: parsed.error.issues.slice(0, 5) }, "tool output does not match its schema");
      return refusal(fromError(new Error("output schema mismatch"), tool.name, deps.log));
    }
    return success(parsed.data);
  } catch (err) {
    return refusal(fromError(err, tool.name, deps.log));
  }
}

const REFUSAL_JSON = portable(strip$schema(toJsonSchemaCompat(refusalSchema, { pipeStrategy: "output" })));

function listing(tool: Tool): ListedTool {
  const output = portable(strip$schema(toJsonSchemaCompat(tool.output, { pipeStrategy: "output" })));
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: portable(toJsonSchemaCompat(tool.input, { strictUnions: true, pipeStrategy: "input" })) as ListedTool["inputSchema"],
    // SDK clients (1.32) validate structuredContent even when isError is set, so the listed
    // schema admits both shapes: the success object, or the refusal.
    outputSchema: { type: "object", anyOf: [output, REFUSAL_JSON] },
    annotations: { title: tool.title, ...tool.annotations },
    execution: { taskSupport: "forbidden" },
  };
}

function strip$schema(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _drop, ...rest } = schema;
  return rest;
}
