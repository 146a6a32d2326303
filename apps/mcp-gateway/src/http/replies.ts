import type { ServerResponse } from "node:http";

/**
 * An HTTP refusal before the MCP layer: a JSON-RPC error body (what MCP clients show) with a clear message and,
 * in `data`, what to do instead. Never carries the key or any internal detail.
 */
export function reject(
  res: ServerResponse,
  status: number,
  message: string,
  suggestedAction: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({
    jsonrpc: "2.0",
    error: { code: -32000, message, data: { http_status: status, suggested_action: suggestedAction } },
    id: null,
  });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}
