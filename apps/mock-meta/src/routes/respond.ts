const JSON_HEADERS = { "content-type": "application/json; charset=UTF-8" };

/** A plain Response, so any numeric status passes without casting to Hono's status-code union. */
export function json(body: unknown, status = 200, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: headers === undefined ? JSON_HEADERS : { ...JSON_HEADERS, ...headers },
  });
}

/** Request body as JSON, or undefined when it is missing or malformed (validation then reports what is missing). */
export async function readJson(req: Request): Promise<unknown> {
  try {
    return await req.json();
  } catch {
    return undefined;
  }
}
