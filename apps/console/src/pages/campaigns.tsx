import type { CampaignRow } from "@wa/db";
import { Csrf, Layout, when, type PageCtx } from "./layout.js";

const done = (c: CampaignRow) =>
  c.sent_count +
  c.failed_count +
  c.cancelled_count +
  Object.values(c.skipped_by_reason ?? {}).reduce((a, b) => a + b, 0);
const pct = (c: CampaignRow) =>
  c.audience_count > 0
    ? Math.min(100, Math.round((done(c) / c.audience_count) * 100))
    : c.status === "completed"
      ? 100
      : 0;

/** One row's live part; re-rendered by the SSE stream (event name = campaign id). */
export function CampaignProgress(props: { c: CampaignRow }) {
  const c = props.c;
  return (
    <span class="progress" data-status={c.status}>
      <span class="pill status">{c.status}</span>{" "}
      <span class="bar">
        <i style={`width:${pct(c)}%`}></i>
      </span>{" "}
      {pct(c)} % · enqueued {c.enqueued_count} · sent {c.sent_count} · delivered {c.delivered_count} · read{" "}
      {c.read_count} · failed {c.failed_count}
    </span>
  );
}

export function CampaignsPage(props: {
  ctx: PageCtx;
  campaigns: CampaignRow[];
  templates: { name: string; locale: string; category: string }[];
  notice?: string;
  error?: string;
}) {
  const canSteer = props.ctx.operator.role !== "viewer";
  return (
    <Layout ctx={props.ctx} title="Campaigns">
      {props.notice ? <div class="notice">{props.notice}</div> : null}
      {props.error ? <div class="error">{props.error}</div> : null}
      <div hx-ext="sse" sse-connect="/campaigns/stream">
        <table>
          <tr>
            <th>name</th>
            <th>type</th>
            <th>template</th>
            <th>scheduled</th>
            <th>progress</th>
          </tr>
          {props.campaigns.map((c) => (
            <tr>
              <td>
                <a href={`/campaigns/${c.id}`}>{c.name}</a>
              </td>
              <td>{c.type}</td>
              <td>{c.template_name}</td>
              <td>{when(c.scheduled_at)}</td>
              <td id={`progress-${c.id}`} sse-swap={c.id}>
                <CampaignProgress c={c} />
              </td>
            </tr>
          ))}
        </table>
      </div>
      {canSteer ? (
        <>
          <h2>New campaign (APPROVED templates only)</h2>
          <form method="post" action="/campaigns" class="inline">
            <Csrf ctx={props.ctx} />
            <input name="name" required placeholder="name" />
            <select name="template" required>
              {props.templates.map((t) => (
                <option value={`${t.name}|${t.locale}|${t.category}`}>
                  {t.name} ({t.locale}, {t.category})
                </option>
              ))}
            </select>
            <input
              name="include_tags"
              placeholder="include tags (comma)"
              hx-post="/campaigns/estimate"
              hx-trigger="keyup changed delay:400ms"
              hx-target="#estimate"
              hx-include="closest form"
            />
            <input
              name="exclude_tags"
              placeholder="exclude tags (comma)"
              hx-post="/campaigns/estimate"
              hx-trigger="keyup changed delay:400ms"
              hx-target="#estimate"
              hx-include="closest form"
            />
            <input
              name="deliver_at"
              required
              placeholder="deliver at (RFC 3339)"
              value={new Date(Date.now() + 5 * 60_000).toISOString().slice(0, 19) + "Z"}
            />
            <span id="estimate" class="muted">
              audience: type tags to estimate
            </span>
            <button type="submit">Schedule</button>
          </form>
        </>
      ) : null}
    </Layout>
  );
}

export function CampaignPage(props: { ctx: PageCtx; c: CampaignRow; notice?: string; error?: string }) {
  const c = props.c;
  const canSteer = props.ctx.operator.role !== "viewer";
  const skipped = Object.entries(c.skipped_by_reason ?? {});
  const action = (verb: string, label: string, danger = false) => (
    <form method="post" action={`/campaigns/${c.id}/${verb}`} class="inline">
      <Csrf ctx={props.ctx} />
      {verb === "cancel" ? <input name="reason" placeholder="reason" /> : null}
      <button type="submit" class={danger ? "danger" : ""} id={`${verb}-button`}>
        {label}
      </button>
    </form>
  );
  return (
    <Layout ctx={props.ctx} title={`Campaign ${c.name}`}>
      {props.notice ? <div class="notice">{props.notice}</div> : null}
      {props.error ? <div class="error">{props.error}</div> : null}
      <div hx-ext="sse" sse-connect={`/campaigns/stream?id=${c.id}`}>
        <p id={`progress-${c.id}`} sse-swap={c.id}>
          <CampaignProgress c={c} />
        </p>
      </div>
      <p>
        {c.type} · template {c.template_name} ({c.locale}) · scheduled {when(c.scheduled_at)} · audience{" "}
        {c.audience_count}
        {c.status_reason ? (
          <>
            {" "}
            · <span class="muted">{c.status_reason}</span>
          </>
        ) : null}
      </p>
      {canSteer ? (
        <p>
          {action("pause", "Pause")} {action("resume", "Resume")} {action("cancel", "Cancel", true)}
        </p>
      ) : null}
      <h2>Counters</h2>
      <table>
        <tr>
          <th>audience</th>
          <th>enqueued</th>
          <th>sent</th>
          <th>delivered</th>
          <th>read</th>
          <th>failed</th>
          <th>cancelled</th>
        </tr>
        <tr>
          <td>{c.audience_count}</td>
          <td>{c.enqueued_count}</td>
          <td>{c.sent_count}</td>
          <td>{c.delivered_count}</td>
          <td>{c.read_count}</td>
          <td>{c.failed_count}</td>
          <td>{c.cancelled_count}</td>
        </tr>
      </table>
      <h2>Skipped by reason</h2>
      <table>
        <tr>
          <th>reason</th>
          <th>recipients</th>
        </tr>
        {skipped.map(([r, n]) => (
          <tr>
            <td>{r}</td>
            <td>{n}</td>
          </tr>
        ))}
      </table>
      <h2>Audience filter</h2>
      <pre>{JSON.stringify(c.audience_filter, null, 2)}</pre>
    </Layout>
  );
}
