import { destroySession, login } from "@wa/operators";
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { secureHeaders } from "hono/secure-headers";
import { apiRoutes, openApiDocument } from "./api/routes.js";
import { answer, authenticate, clientIp, cookieName, csrf, type Env } from "./auth/middleware.js";
import type { ConsoleDeps } from "./deps.js";
import { LoginPage } from "./pages/admin.js";
import { ApiReference } from "./pages/api-reference.js";
import { pageRoutes } from "./pages/routes.js";
import { refuse } from "./refusal.js";
import { serveStatic } from "./static.js";

const safeNext = (n: unknown) => (typeof n === "string" && /^\/(?!\/)[\w\-./?=&%]*$/.test(n) ? n : "/");

export function createConsoleApp(deps: ConsoleDeps): Hono<Env> {
  const app = new Hono<Env>();
  const secure = deps.cfg.CONSOLE_COOKIE_SECURE;
  const cookie = cookieName(secure);

  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
      strictTransportSecurity: secure ? "max-age=31536000" : false,
    }),
  );
  app.onError((err, c) => {
    deps.log.error({ err, path: c.req.path }, "console request failed");
    return c.json(
      refuse(
        "UNAVAILABLE",
        "The console could not complete this request.",
        "Try again; if it persists, check the console's logs.",
      ),
      500,
    );
  });

  app.get("/health", (c) => c.json({ ok: true }));
  serveStatic(app);

  app.get("/login", (c) => c.html(<LoginPage next={safeNext(c.req.query("next"))} />));
  app.post("/login", async (c) => {
    // No session yet, so no CSRF token: refuse a login posted from another site (login CSRF) by its Origin.
    const origin = c.req.header("origin");
    if (origin && origin !== "null" && new URL(origin).host !== new URL(c.req.url).host) {
      return answer(
        c,
        refuse(
          "CSRF_FAILED",
          "This login form was posted from another site.",
          "Open the console's own /login page and log in there.",
        ),
      );
    }
    const f = await c.req.parseBody();
    const name = typeof f.name === "string" ? f.name : "";
    const password = typeof f.password === "string" ? f.password : "";
    const r = await login(deps.db, deps.login, { name, password, ip: clientIp(c) }, deps.now());
    if (!r.ok) {
      if (r.reason_code === "RATE_LIMITED") c.header("retry-after", String(r.retryAfterSecs));
      return c.html(
        <LoginPage next={safeNext(f.next)} error={r.message} />,
        r.reason_code === "RATE_LIMITED" ? 429 : 401,
      );
    }
    setCookie(c, cookie, r.token, {
      httpOnly: true,
      secure,
      sameSite: "Strict",
      path: "/",
      maxAge: deps.cfg.CONSOLE_SESSION_HOURS * 3600,
    });
    return c.redirect(safeNext(f.next), 303);
  });

  app.use("*", authenticate(deps), csrf());
  app.post("/logout", async (c) => {
    const token = getCookie(c, cookie);
    if (token) await destroySession(deps.db, token);
    deleteCookie(c, cookie, { path: "/", secure });
    return c.redirect("/login", 303);
  });

  const api = apiRoutes(deps);
  const doc = openApiDocument(api);
  app.get("/api/v1/openapi.json", (c) => c.json(doc));
  app.get("/api/v1/reference", (c) =>
    c.html(
      <ApiReference ctx={{ operator: c.get("operator"), csrf: c.get("csrf") ?? "", path: c.req.path }} doc={doc} />,
    ),
  );
  app.route("/api/v1", api);
  app.all("/api/*", (c) =>
    answer(
      c,
      refuse("NOT_FOUND", `No endpoint ${c.req.method} ${c.req.path}.`, "See /api/v1/openapi.json for the endpoints."),
    ),
  );
  app.route("/", pageRoutes(deps));
  return app;
}
