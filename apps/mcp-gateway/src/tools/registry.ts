import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
  type Tool as ListedTool,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { ToolDeps } from "../deps.js";
import { missingToolScope } from "@wa/agents";
import { isRefusal, refuse } from "@wa/contract";
import type { Tool } from "./define-tool.js";
import { portable } from "./portable-schema.js";
import { scopeRefusal } from "./scopes.js";
import { fromError, refusal, refusalSchema, success } from "./results.js";

/**
 * Serves tools/list and tools/call on the SDK's low-level `Server` (public API only). The gateway owns
 * argument parsing (each tool parses strictly and answers a bad argument with a reason code) and exposure
 * (hidden tools are not listed but answer TOOL_DISABLED), which McpServer's own handlers cannot express.
 */
export function registerTools(server: Server, tools: readonly Tool[], deps: ToolDeps): void {
  // Built per HTTP request (one server per request), so listings are cached per tool and only filtered here.
  const listed = tools
    .filter(
      (t) =>
        deps.exposure.hiddenBecause(t) === null &&
        missingToolScope(deps.agent, t.name, t.annotations.readOnlyHint) === null,
    )
    .map(listing);
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listed }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const tool = byNameOf(tools).get(request.params.name);
    const result = tool
      ? await invoke(tool, request.params.arguments, deps)
      : refusal(
          refuse(
            "NOT_FOUND",
            `This gateway has no tool named "${String(request.params.name).slice(0, 80)}".`,
            "Call tools/list for the available tools and their arguments.",
          ),
        );
    const outcome = result.isError ? String((result.structuredContent as { reason_code?: string }).reason_code) : "ok";
    deps.metrics.mcpToolCalls.inc({ tool: tool?.name ?? "unknown", agent: deps.agent.name, outcome });
    return result;
  });
}

const byNames = new WeakMap<readonly Tool[], Map<string, Tool>>();
function byNameOf(tools: readonly Tool[]): Map<string, Tool> {
  let map = byNames.get(tools);
  if (!map) byNames.set(tools, (map = new Map(tools.map((t) => [t.name, t]))));
  return map;
}

async function invoke(tool: Tool, args: unknown, deps: ToolDeps): Promise<CallToolResult> {
  const hidden = deps.exposure.hiddenBecause(tool);
  if (hidden !== null) {
    return refusal(
      refuse(
        "TOOL_DISABLED",
        hidden,
        "Use another tool (tools/list shows the available ones) or ask the operator to enable it.",
      ),
    );
  }
  try {
    const denied = await scopeRefusal(tool, args, deps);
    if (denied) return refusal(denied);
    const result = await tool.call(args, deps);
    if (isRefusal(result)) return refusal(result);
    const parsed = tool.output.safeParse(result);
    if (!parsed.success) {
      deps.log.error(
        { tool: tool.name, issues: parsed.error.issues.slice(0, 5) },
        "tool output does not match its schema",
      );
      return refusal(fromError(new Error("output schema mismatch"), tool.name, deps.log));
    }
    return success(parsed.data);
  } catch (err) {
    return refusal(fromError(err, tool.name, deps.log));
  }
}

type JsonSchema = Record<string, unknown>;

/** zod's own converter (draft-7, as the SDK publishes it), without the `$schema` key clients do not need. */
function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: "draft-7", io }) as JsonSchema;
  return portable(rest);
}

const REFUSAL_JSON = jsonSchema(refusalSchema, "output");

const listings = new WeakMap<Tool, ListedTool>();

/** A tool's tools/list entry; converted once per tool (JSON Schema conversion is the costly part). */
function listing(tool: Tool): ListedTool {
  let listed = listings.get(tool);
  if (!listed) listings.set(tool, (listed = toListing(tool)));
  return listed;
}

function toListing(tool: Tool): ListedTool {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: jsonSchema(tool.input, "input") as ListedTool["inputSchema"],
    // SDK clients validate structuredContent even when isError is set, so the listed
    // schema admits both shapes: the success object, or the refusal.
    outputSchema: { type: "object", anyOf: [jsonSchema(tool.output, "output"), REFUSAL_JSON] },
    annotations: { title: tool.title, ...tool.annotations },
    execution: { taskSupport: "forbidden" },
  };
}
