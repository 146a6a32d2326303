import type { Hono } from "hono";
import { ownerWaba, proofValid, tokenKnown, tokenOwns } from "../auth.js";
import { emptyCall, type MockContext } from "../context.js";
import { graphError, type GraphErrorInput } from "../error-catalog.js";
import { sendMessage, unknownObject } from "../send-message.js";
import { debugToken, subscribedApps } from "./graph-account.js";
import { lookupObject, phoneNumbersOf } from "./graph-objects.js";
import { createTemplate, listTemplates } from "./graph-templates.js";
import { registerMediaRoutes } from "./graph-media.js";
import { json, readJson } from "./respond.js";

const V = "/:version{v[0-9]+\\.[0-9]+}";
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function tokenOf(req: Request, url: string): string | null {
  const auth = req.headers.get("authorization");
  if (auth !== null) return auth.startsWith("Bearer ") ? auth.slice(7).trim() : "";
  return url.includes("access_token=") ? new URL(url).searchParams.get("access_token") : null;
}

/** The Graph API surface: every path under a `v<NN>.0` prefix, bearer-token protected, with the latency knob. */
export function registerGraphRoutes(app: Hono, ctx: MockContext): void {
  const { state } = ctx;
  // Calls on a number's path (uploads, account info, refused sends) carry its id, so a bench can count per number.
  const logged = (method: string, path: string) => {
    const id = path.split("/")[2] ?? "";
    return { ...emptyCall(method, path, state.now()), phone_number_id: state.phones.has(id) ? id : null };
  };
  const fail = (e: GraphErrorInput, method: string, path: string, headers?: Record<string, string>): Response => {
    const err = graphError(e, state.random, state.knobs.throttle_http_status);
    state.calls.record({ ...logged(method, path), http_status: err.status, code: e.code });
    return json(err.body, err.status, headers);
  };
  const ok = (body: object, method: string, path: string): Response => {
    state.calls.record(logged(method, path));
    return json(body);
  };

  app.use(`${V}/*`, async (c, next) => {
    const token = tokenOf(c.req.raw, c.req.url);
    if (!tokenKnown(state, token)) {
      const message =
        token === null
          ? "An active access token must be used to query information about the current user."
          : "Invalid OAuth access token - Cannot parse access token";
      return fail({ code: 190, message }, c.req.method, c.req.path, {
        "www-authenticate": `OAuth "Facebook Platform" "invalid_token" "${message}"`,
      });
    }
    // Graph checks appsecret_proof whenever a call carries one: a proof made with another app's secret fails.
    const proof = c.req.query("appsecret_proof");
    if (proof !== undefined && !proofValid(state, token, proof)) {
      const message = "Invalid appsecret_proof provided in the API argument";
      return fail({ code: 100, message, type: "GraphMethodException" }, c.req.method, c.req.path);
    }
    // A valid token on another WABA's number, WABA, template or media: Graph answers as if the object did not
    // exist (100, subcode 33, "…cannot be loaded due to missing permissions…"), not 190: the token itself is fine.
    const id = c.req.path.split("/")[2] ?? "";
    const owner = ownerWaba(state, id);
    if (owner !== undefined && !tokenOwns(state, token, owner))
      return fail(unknownObject(c.req.method === "POST" ? "post" : "get", id), c.req.method, c.req.path);
    const k = state.knobs;
    if (k.latency_ms > 0 || k.latency_jitter_ms > 0)
      await sleep(k.latency_ms + Math.floor(state.random() * k.latency_jitter_ms));
    await next();
  });

  app.post(`${V}/:id/messages`, async (c) => {
    const answer = sendMessage(ctx, c.req.param("id"), await readJson(c.req.raw), c.req.path);
    return json(answer.body, answer.status);
  });

  registerMediaRoutes(app, ctx, V, fail, ok);

  app.get(`${V}/:id/message_templates`, (c) => {
    const id = c.req.param("id");
    if (!state.wabaIds.has(id)) return fail(unknownObject("get", id), "GET", c.req.path);
    return ok(listTemplates(ctx, id, new URL(c.req.url)), "GET", c.req.path);
  });

  app.post(`${V}/:id/message_templates`, async (c) => {
    const id = c.req.param("id");
    if (!state.wabaIds.has(id)) return fail(unknownObject("post", id), "POST", c.req.path);
    const created = createTemplate(ctx, id, await readJson(c.req.raw));
    return created.ok ? ok(created.body, "POST", c.req.path) : fail(created.error, "POST", c.req.path);
  });

  app.get(`${V}/debug_token`, (c) => ok(debugToken(ctx, c.req.query("input_token")), "GET", c.req.path));

  app.get(`${V}/:id/subscribed_apps`, (c) => {
    const id = c.req.param("id");
    if (!state.wabaIds.has(id)) return fail(unknownObject("get", id), "GET", c.req.path);
    return ok(subscribedApps(ctx), "GET", c.req.path);
  });

  app.get(`${V}/:id/phone_numbers`, (c) => {
    const id = c.req.param("id");
    if (!state.wabaIds.has(id)) return fail(unknownObject("get", id), "GET", c.req.path);
    return ok(phoneNumbersOf(ctx, id), "GET", c.req.path);
  });

  app.get(`${V}/:id`, (c) => {
    const id = c.req.param("id");
    const fields = c.req
      .query("fields")
      ?.split(",")
      .map((f) => f.trim())
      .filter(Boolean);
    const found = lookupObject(ctx, id, fields);
    return found === undefined ? fail(unknownObject("get", id), "GET", c.req.path) : ok(found, "GET", c.req.path);
  });

  app.all(`${V}/*`, (c) =>
    fail(
      {
        code: 2500,
        message: `Unknown path components: ${c.req.path.replace(/^\/v[0-9.]+/, "")}`,
        type: "OAuthException",
      },
      c.req.method,
      c.req.path,
    ),
  );
}
