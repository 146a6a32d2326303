import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { isBusError } from "@wa/bus";
import { pgCode, TOO_MANY_CONNECTIONS } from "@wa/db";
import type { LogLike } from "@wa/observability";
import { z } from "zod";
import { isWaError, REASON_CODES, refuse, type Refusal } from "@wa/contract";

/** The refusal shape; every tool's listed outputSchema admits it beside the success shape. */
export const refusalSchema = z
  .object({
    reason_code: z.enum(REASON_CODES),
    human_explanation: z.string(),
    suggested_action: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .describe("Refusal (isError: true): why the tool did not act and what to do instead.");

export function success(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
}

export function refusal(denial: Refusal): CallToolResult {
  const { ok: _ok, ...structured } = denial;
  const text = `${denial.reason_code}: ${denial.human_explanation} Suggested action: ${denial.suggested_action}`;
  return { isError: true, content: [{ type: "text", text }], structuredContent: structured };
}

const STILL_WORKS =
  "explain_error, estimate_cost and estimate_pricing need no dependency and keep working; get_account_quality and create_template talk to Meta directly.";

/** Any throw from a tool: known faults keep their code, anything else is UNAVAILABLE with no internals. */
export function fromError(err: unknown, tool: string, log: LogLike): Refusal {
  if (isWaError(err) && err.code !== "UNAVAILABLE") {
    log.warn({ err, tool }, "tool fault");
    return refuse(err.code, err.message, `Check the arguments of ${tool}, or try again later.`);
  }
  log.error({ err, tool }, "tool failed");
  if (causes(err).some((e) => pgCode(e) === TOO_MANY_CONNECTIONS)) {
    return refuse(
      "UNAVAILABLE",
      `${tool} could not finish because Postgres has no free connection (too many connections: every running gateway and worker holds a pool). The gateway keeps running.`,
      `Try again in a minute. If it keeps happening, the operator should lower DB_POOL_MAX, raise Postgres max_connections or put PgBouncer in front (see the gateway README, "Connection budget"). Meanwhile ${STILL_WORKS}`,
    );
  }
  const what = isBusError(err)
    ? "the message bus (NATS)"
    : isRedisError(err)
      ? "Redis"
      : "a dependency (Postgres, Redis or NATS)";
  return refuse(
    "UNAVAILABLE",
    `${tool} could not finish because ${what} did not answer. The gateway keeps running.`,
    `Try again in a minute. Meanwhile ${STILL_WORKS}`,
  );
}

function isRedisError(err: unknown): boolean {
  const name = err instanceof Error ? err.name : "";
  return (
    name === "MaxRetriesPerRequestError" ||
    (err instanceof Error && /enableOfflineQueue|Connection is closed/.test(err.message))
  );
}

/** The error and its `cause` chain (a fault may wrap the driver's error). */
function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = err; e !== undefined && e !== null && chain.length < 5; e = (e as { cause?: unknown }).cause)
    chain.push(e);
  return chain;
}
