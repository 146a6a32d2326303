import { timingSafeEqual } from "node:crypto";
import type { OperatorRole } from "@wa/db";
import { hasRole, resolveApiToken, resolveSession, type Operator } from "@wa/operators";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { ConsoleDeps } from "../deps.js";
import { refuse, statusOf, type Refusal } from "../refusal.js";

interface AuthVars {
  operator: Operator;
  /** The session's CSRF token; null for API-token requests (no cookie, so nothing to forge). */
  csrf: string | null;
}
export type Env = { Variables: AuthVars };

export const cookieName = (secure: boolean) => (secure ? "__Host-wa_console" : "wa_console");
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

const isApi = (c: Context) => c.req.path.startsWith("/api/");

/** A refusal as JSON (API, htmx) or as a short page. */
export function answer(c: Context, r: Refusal): Response {
  const status = statusOf(r.reason_code);
  if (isApi(c) || !c.req.header("accept")?.includes("text/html") || c.req.header("hx-request"))
    return c.json(r, status);
  return c.html(
    `<!doctype html><meta charset="utf-8"><title>${status}</title><main style="font-family:sans-serif;margin:3em">
<h1>${r.reason_code}</h1><p>${escapeText(r.human_explanation)}</p><p>${escapeText(r.suggested_action)}</p><p><a href="/">Back to the console</a></p></main>`,
    status,
  );
}

function escapeText(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Session cookie (pages, API) or `Authorization: Bearer wat_…` (API only); nobody passes without one. */
export function authenticate(deps: ConsoleDeps): MiddlewareHandler<Env> {
  const ttlMs = deps.cfg.CONSOLE_SESSION_HOURS * 3_600_000;
  return async (c, next) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
    if (bearer && isApi(c)) {
      const op = await resolveApiToken(deps.db, bearer, deps.now());
      if (!op)
        return answer(
          c,
          refuse(
            "UNAUTHENTICATED",
            "The API token is unknown or revoked.",
            "Create a token on the Settings page (it is shown once) and send it as Authorization: Bearer <token>.",
          ),
        );
      c.set("operator", op);
      c.set("csrf", null);
      return next();
    }
    const token = getCookie(c, cookieName(deps.cfg.CONSOLE_COOKIE_SECURE));
    const session = token ? await resolveSession(deps.db, token, ttlMs, deps.now()) : null;
    if (!session) {
      if (isApi(c))
        return answer(
          c,
          refuse(
            "UNAUTHENTICATED",
            "No valid session or API token.",
            "Send Authorization: Bearer <token>, or log in at /login.",
          ),
        );
      if (c.req.method === "GET") return c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`, 302);
      return answer(c, refuse("UNAUTHENTICATED", "Your session has ended.", "Log in again at /login."));
    }
    c.set("operator", session.operator);
    c.set("csrf", session.csrfToken);
    return next();
  };
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Every state change made with a session cookie must carry the session's CSRF token (header or form field). */
export function csrf(): MiddlewareHandler<Env> {
  return async (c, next) => {
    const expected = c.get("csrf");
    if (!UNSAFE.has(c.req.method) || expected === null) return next();
    let sent = c.req.header("x-csrf-token");
    if (!sent && (c.req.header("content-type") ?? "").match(/form/)) {
      const form = await c.req.parseBody();
      sent = typeof form.csrf_token === "string" ? form.csrf_token : undefined;
    }
    if (!sent || !sameToken(sent, expected)) {
      return answer(
        c,
        refuse(
          "CSRF_FAILED",
          "This change did not carry the page's security token.",
          "Reload the page and try again (the token is in every form of the console).",
        ),
      );
    }
    return next();
  };
}

export function requireRole(role: OperatorRole): MiddlewareHandler<Env> {
  return async (c, next) => {
    const op = c.get("operator");
    if (!hasRole(op.role, role)) {
      return answer(
        c,
        refuse(
          "FORBIDDEN",
          `This needs the ${role} role; ${op.name} is ${op.role}.`,
          "Ask an admin to change your role, or ask an operator to do it.",
        ),
      );
    }
    return next();
  };
}

/** Where the request came from, for the login throttle (the socket address; no proxy header is trusted). */
export function clientIp(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? "unknown";
}
