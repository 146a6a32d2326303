import type { Operator } from "@wa/operators";
import type { Child } from "hono/jsx";

const NAV: ReadonlyArray<readonly [string, string]> = [
  ["/", "Overview"],
  ["/customers", "Customers"],
  ["/messages", "Messages"],
  ["/campaigns", "Campaigns"],
  ["/approvals", "Approvals"],
  ["/templates", "Templates"],
  ["/dead-letters", "Dead letters"],
  ["/audit", "Audit log"],
  ["/policies", "Policies"],
  ["/agents", "Agents"],
  ["/settings", "Settings"],
  ["/api/v1/reference", "API"],
];

export interface PageCtx {
  readonly operator: Operator;
  readonly csrf: string;
  readonly path: string;
}

/** Every page: the navigation, who is logged in, and the CSRF token htmx sends with each change. */
export function Layout(props: { ctx: PageCtx; title: string; children?: Child }) {
  const { ctx } = props;
  const on = (href: string) => (href === "/" ? ctx.path === "/" : ctx.path.startsWith(href));
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title} · WhatsApp gateway console</title>
        <link rel="stylesheet" href="/static/console.css" />
        <script src="/static/htmx.min.js"></script>
        <script src="/static/sse.js"></script>
      </head>
      <body hx-headers={JSON.stringify({ "X-CSRF-Token": ctx.csrf })}>
        <header>
          <strong>WA console</strong>
          {NAV.map(([href, label]) => (
            <a href={href} class={on(href) ? "on" : ""}>
              {label}
            </a>
          ))}
          <span class="who">
            {ctx.operator.name} ({ctx.operator.role})
          </span>
          <form method="post" action="/logout">
            <input type="hidden" name="csrf_token" value={ctx.csrf} />
            <button type="submit">Log out</button>
          </form>
        </header>
        <main>
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** A hidden CSRF field for plain forms (htmx requests carry the header instead). */
export const Csrf = (props: { ctx: PageCtx }) => <input type="hidden" name="csrf_token" value={props.ctx.csrf} />;

export const when = (d: Date | null | undefined) => (d ? d.toISOString().replace("T", " ").slice(0, 19) : "—");

export function Pager(props: { base: string; params: Record<string, string | undefined>; next: string | null }) {
  if (!props.next) return null;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(props.params)) if (v) q.set(k, v);
  q.set("before", props.next);
  return (
    <p>
      <a href={`${props.base}?${q}`}>Older →</a>
    </p>
  );
}
