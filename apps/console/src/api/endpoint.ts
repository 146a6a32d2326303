import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { OperatorRole } from "@wa/db";
import type { Operator } from "@wa/operators";
import type { Context } from "hono";
import { answer, requireRole, type Env } from "../auth/middleware.js";
import { refuse, type Outcome } from "../refusal.js";

const refusalSchema = z
  .object({
    ok: z.literal(false),
    reason_code: z.string().openapi({ example: "INVALID_STATE_TRANSITION" }),
    human_explanation: z.string(),
    suggested_action: z.string(),
  })
  .openapi("Refusal");

type Obj = z.ZodObject<z.ZodRawShape>;

export interface EndpointSpec<P extends Obj, Q extends Obj, B extends Obj> {
  readonly method: "get" | "post";
  readonly path: string; // OpenAPI style: /customers/{id}
  readonly summary: string;
  readonly role: OperatorRole;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  readonly response: z.ZodType;
  readonly run: (input: {
    params: z.infer<P>;
    query: z.infer<Q>;
    body: z.infer<B>;
    operator: Operator;
  }) => Promise<Outcome<Record<string, unknown>> | Record<string, unknown>>;
}

const empty = z.object({});
const ERRORS = {
  400: "bad input",
  401: "no or revoked token",
  403: "role too low or CSRF token missing",
  404: "not found",
  409: "not possible in this state",
  429: "rate limited",
  502: "Meta failed",
  503: "not available in this deployment",
} as const;

/**
 * One REST endpoint: registered in the OpenAPI document from its zod schemas, and served with those same
 * schemas validating the input (a bad input gets a Refusal, never a stack trace).
 */
export function endpoint<P extends Obj = typeof empty, Q extends Obj = typeof empty, B extends Obj = typeof empty>(
  api: OpenAPIHono<Env>,
  spec: EndpointSpec<P, Q, B>,
): void {
  api.openAPIRegistry.registerPath({
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    description: `Needs the ${spec.role} role.`,
    security: [{ bearer: [] }],
    request: {
      ...(spec.params ? { params: spec.params } : {}),
      ...(spec.query ? { query: spec.query } : {}),
      ...(spec.body ? { body: { content: { "application/json": { schema: spec.body } }, required: true } } : {}),
    },
    responses: {
      200: { description: "done", content: { "application/json": { schema: spec.response } } },
      ...Object.fromEntries(
        Object.entries(ERRORS).map(([code, description]) => [
          code,
          { description, content: { "application/json": { schema: refusalSchema } } },
        ]),
      ),
    },
  });
  const honoPath = spec.path.replace(/\{(\w+)\}/g, ":$1");
  api[spec.method](honoPath, requireRole(spec.role), async (c: Context<Env>) => {
    const params = (spec.params ?? empty).safeParse(c.req.param());
    const query = (spec.query ?? empty).safeParse(c.req.query());
    let raw: unknown = {};
    if (spec.body) raw = await c.req.json().catch(() => undefined);
    const body = (spec.body ?? empty).safeParse(raw);
    const bad = [params, query, body].find((r) => !r.success);
    if (bad && !bad.success) {
      const issue = bad.error.issues[0];
      return answer(
        c,
        refuse(
          "INVALID_ARGUMENT",
          `${issue?.path.join(".") || "input"}: ${issue?.message ?? "invalid"}`,
          "Fix the input as the OpenAPI document at /api/v1/openapi.json describes.",
        ),
      );
    }
    const out = await spec.run({
      params: params.data as z.infer<P>,
      query: query.data as z.infer<Q>,
      body: body.data as z.infer<B>,
      operator: c.get("operator"),
    });
    if ("ok" in out && out.ok === false) return answer(c, out as Extract<typeof out, { ok: false }>);
    return c.json(out);
  });
}
