import { Hono } from "hono";
import { createWamidFactory, type MockContext } from "./context.js";
import { graphError } from "./error-catalog.js";
import { SILENT_LOG, type MockMetaOptions } from "./options.js";
import { registerControlRoutes } from "./routes/control.js";
import { registerGraphRoutes } from "./routes/graph.js";
import { json } from "./routes/respond.js";
import { createState, type MockState } from "./state.js";
import { createWebhooks } from "./webhooks/dispatcher.js";

export interface MockMeta {
  readonly app: Hono;
  readonly state: MockState;
  /** True when no webhook is scheduled, queued, in flight or waiting for a retry. */
  webhooksIdle(): boolean;
  reset(): void;
  close(): Promise<void>;
}

/** Builds the mock (state, webhook dispatcher, routes) without listening; `startMockMeta` adds the HTTP server. */
export function createMockMeta(options: MockMetaOptions = {}): MockMeta {
  const log = options.log ?? SILENT_LOG;
  const state = createState(options);
  const ctx: MockContext = {
    state,
    webhooks: createWebhooks(state, log),
    newWamid: createWamidFactory(),
    log,
    timers: new Set(),
  };
  const clearTimers = (): void => {
    for (const t of ctx.timers) clearTimeout(t);
    ctx.timers.clear();
  };
  const reset = (): void => {
    clearTimers();
    ctx.webhooks.clear();
    state.reset();
  };

  const app = new Hono();
  registerControlRoutes(app, ctx, reset);
  registerGraphRoutes(app, ctx);
  app.notFound((c) =>
    json({ error: { message: `Unknown path ${c.req.path}`, type: "OAuthException", code: 2500 } }, 404),
  );
  app.onError((err, c) => {
    log.error({ err, path: c.req.path }, "mock-meta handler failed");
    const e = graphError({ code: 1 }, state.random, 400);
    return json(e.body, 500);
  });

  return {
    app,
    state,
    webhooksIdle: () => ctx.webhooks.idle(),
    reset,
    async close() {
      clearTimers();
      await ctx.webhooks.close();
    },
  };
}
