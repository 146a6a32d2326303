import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Hono } from "hono";

const require = createRequire(import.meta.url);

// htmx and its SSE extension are vendored from their npm packages (no CDN, no client build), read once.
const FILES: Record<string, { path: string; type: string }> = {
  "htmx.min.js": { path: require.resolve("htmx.org/dist/htmx.min.js"), type: "text/javascript" },
  "sse.js": { path: require.resolve("htmx-ext-sse/dist/sse.min.js"), type: "text/javascript" },
  "console.css": { path: new URL("../static/console.css", import.meta.url).pathname, type: "text/css" },
};

export function serveStatic(app: Hono<any>): void {
  const bodies = new Map(
    Object.entries(FILES).map(([name, f]) => [name, { body: readFileSync(f.path), type: f.type }]),
  );
  app.get("/static/:name", (c) => {
    const f = bodies.get(c.req.param("name"));
    if (!f) return c.notFound();
    return c.body(f.body, 200, { "content-type": `${f.type}; charset=utf-8`, "cache-control": "public, max-age=3600" });
  });
}
