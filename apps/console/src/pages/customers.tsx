import type { ComplianceDecision, customerDetail, searchCustomers } from "../queries/reads.js";
import { Csrf, Layout, Pager, when, type PageCtx } from "./layout.js";

export function CustomersPage(props: {
  ctx: PageCtx;
  q: { text?: string; tag?: string };
  r: Awaited<ReturnType<typeof searchCustomers>>;
}) {
  return (
    <Layout ctx={props.ctx} title="Customers">
      <form class="filters" method="get" action="/customers">
        <input name="q" value={props.q.text ?? ""} placeholder="number or name" />
        <input name="tag" value={props.q.tag ?? ""} placeholder="tag" />
        <button type="submit">Search</button>
      </form>
      <table>
        <tr>
          <th>customer</th>
          <th>name</th>
          <th>marketing</th>
          <th>utility</th>
          <th>tags</th>
          <th>last inbound</th>
        </tr>
        {props.r.customers.map((c) => (
          <tr>
            <td>
              <a href={`/customers/${encodeURIComponent(c.customer_id)}`}>{c.customer_id}</a>
            </td>
            <td>{c.display_name ?? "—"}</td>
            <td>{c.marketing_consent}</td>
            <td>{c.utility_consent}</td>
            <td>
              {c.tags.map((t) => (
                <span class="pill">{t}</span>
              ))}
            </td>
            <td>{when(c.last_inbound_at)}</td>
          </tr>
        ))}
      </table>
      <Pager base="/customers" params={{ q: props.q.text, tag: props.q.tag }} next={props.r.next} />
    </Layout>
  );
}

export function CustomerPage(props: {
  ctx: PageCtx;
  d: NonNullable<Awaited<ReturnType<typeof customerDetail>>>;
  notice?: string;
  error?: string;
}) {
  const { customer: c, window: w, windows } = props.d;
  const canEdit = props.ctx.operator.role !== "viewer";
  const base = `/customers/${encodeURIComponent(c.customer_id)}`;
  return (
    <Layout ctx={props.ctx} title={`Customer ${c.customer_id}`}>
      {props.notice ? <div class="notice">{props.notice}</div> : null}
      {props.error ? <div class="error">{props.error}</div> : null}
      <div class="cards">
        <div class="card">
          <span class="muted">name</span>
          <b>{c.display_name ?? "—"}</b>
        </div>
        <div class="card" id="window">
          <span class="muted">24 h window</span>
          <b class={w.open ? "ok" : "muted"}>{w.open ? "open" : "closed"}</b>
          {w.open ? <span>until {when(w.expires_at)}</span> : null}
          {windows.length > 1
            ? windows.map((x) => (
                <span class="muted">
                  {x.phone_number_id ?? "default number"}: {x.open ? `open until ${when(x.expires_at)}` : "closed"}
                </span>
              ))
            : null}
        </div>
        <div class="card">
          <span class="muted">marketing consent</span>
          <b id="marketing-consent">{c.marketing_consent}</b>
          <span class="muted">
            {c.marketing_consent_source ?? ""} {when(c.marketing_consent_at)}
          </span>
        </div>
        <div class="card">
          <span class="muted">utility consent</span>
          <b>{c.utility_consent}</b>
          <span class="muted">
            {c.utility_consent_source ?? ""} {when(c.utility_consent_at)}
          </span>
        </div>
        <div class="card">
          <span class="muted">tags</span>
          <div id="tags">
            {c.tags.map((t) => (
              <span class="pill">{t}</span>
            ))}
          </div>
        </div>
      </div>
      {canEdit ? (
        <>
          <h2>Change consent</h2>
          <form class="inline" method="post" action={`${base}/consent`}>
            <Csrf ctx={props.ctx} />
            <label>
              marketing{" "}
              <select name="marketing">
                <option value="">unchanged</option>
                <option>granted</option>
                <option>revoked</option>
              </select>
            </label>
            <label>
              utility{" "}
              <select name="utility">
                <option value="">unchanged</option>
                <option>granted</option>
                <option>revoked</option>
              </select>
            </label>
            <input name="reason" required placeholder="source / reason (required)" size={40} />
            <button type="submit">Save consent</button>
          </form>
          <h2>Change tags</h2>
          <form class="inline" method="post" action={`${base}/tags`}>
            <Csrf ctx={props.ctx} />
            <input name="add" placeholder="add: vip, churn_risk" />
            <input name="remove" placeholder="remove" />
            <input name="reason" required placeholder="reason (required)" size={40} />
            <button type="submit">Save tags</button>
          </form>
        </>
      ) : null}
      <h2>Consent history</h2>
      <table id="consent-history">
        <tr>
          <th>time</th>
          <th>category</th>
          <th>from → to</th>
          <th>source</th>
          <th>by</th>
        </tr>
        {props.d.consent_history.map((a) => {
          const d = a.details as { category?: string; from?: string; to?: string; source?: string };
          return (
            <tr>
              <td>{when(a.created_at)}</td>
              <td>{d.category ?? ""}</td>
              <td>
                {d.from ?? "?"} → {d.to ?? "?"}
              </td>
              <td>{d.source ?? ""}</td>
              <td>{a.actor}</td>
            </tr>
          );
        })}
      </table>
      <h2>Timeline</h2>
      <table id="timeline">
        <tr>
          <th>time</th>
          <th>what</th>
          <th>details</th>
        </tr>
        {props.d.timeline.map((t) =>
          t.type === "message" ? (
            <tr class="message">
              <td>{when(t.at)}</td>
              <td>
                <a href={`/messages/${t.id}`}>{t.direction === "inbound" ? "⇠ inbound" : "⇢ outbound"}</a>{" "}
                <span class="pill">{t.status}</span> {t.category ?? ""}
              </td>
              <td>
                {t.text}
                {t.error_code ? <span class="bad"> error {t.error_code}</span> : null}
              </td>
            </tr>
          ) : (
            <tr class={t.decision ? "audit decision" : "audit"}>
              <td>{when(t.at)}</td>
              <td>
                <span class="pill">{t.action}</span> by {t.actor}
              </td>
              <td>
                {t.decision ? <Decision d={t.decision} /> : null}
                <code>
                  {JSON.stringify(t.decision ? { ...t.details, checks: undefined } : t.details).slice(0, 300)}
                </code>
              </td>
            </tr>
          ),
        )}
      </table>
    </Layout>
  );
}

/** A compliance decision with every check: ✓ passed (or not applicable), ✗ the one(s) that denied. */
function Decision(props: { d: ComplianceDecision }) {
  const d = props.d;
  return (
    <details class="checks" open={d.outcome === "refused"}>
      <summary class={d.outcome === "allowed" ? "ok" : d.outcome === "refused" ? "bad" : "warn"}>
        compliance:{" "}
        {d.outcome === "refused"
          ? `refused ${d.reason_code ?? ""}`
          : d.outcome === "deferred"
            ? "scheduled, re-checked at dispatch"
            : "allowed"}{" "}
        ({d.checks.length} checks)
      </summary>
      <ul>
        {d.checks.map((c) => (
          <li class={c.passed ? "ok" : "bad"}>
            {c.passed ? "✓" : "✗"} <b>{c.rule}</b>: {c.detail}
          </li>
        ))}
      </ul>
    </details>
  );
}
