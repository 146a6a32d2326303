import type { ErrorExplanation } from "@wa/meta";
import type { listMessages, MessageFilter, messageDetail } from "../queries/reads.js";
import { Layout, Pager, when, type PageCtx } from "./layout.js";

const STATUSES = [
  "received",
  "scheduled",
  "queued",
  "sending",
  "retrying",
  "sent",
  "delivered",
  "read",
  "played",
  "failed",
  "cancelled",
];
const CATEGORIES = ["marketing", "utility", "authentication", "service"];

export function MessagesPage(props: { ctx: PageCtx; f: MessageFilter; r: Awaited<ReturnType<typeof listMessages>> }) {
  const f = props.f;
  return (
    <Layout ctx={props.ctx} title="Messages">
      <form class="filters" method="get" action="/messages">
        <select name="status">
          <option value="">any status</option>
          {STATUSES.map((s) => (
            <option selected={f.status === s}>{s}</option>
          ))}
        </select>
        <select name="category">
          <option value="">any category</option>
          {CATEGORIES.map((s) => (
            <option selected={f.category === s}>{s}</option>
          ))}
        </select>
        <input name="error_code" value={f.error_code?.toString() ?? ""} placeholder="Meta error code" size={10} />
        <input name="from" value={f.from ?? ""} placeholder="from (ISO time)" />
        <input name="to" value={f.to ?? ""} placeholder="to (ISO time)" />
        <button type="submit">Filter</button>
      </form>
      <table>
        <tr>
          <th>time</th>
          <th>customer</th>
          <th>dir</th>
          <th>status</th>
          <th>category</th>
          <th>kind</th>
          <th>error</th>
        </tr>
        {props.r.messages.map((m) => (
          <tr>
            <td>
              <a href={`/messages/${m.id}`}>{when(m.created_at)}</a>
            </td>
            <td>
              <a href={`/customers/${encodeURIComponent(m.customer_id)}`}>{m.customer_id}</a>
            </td>
            <td>{m.direction}</td>
            <td>{m.status}</td>
            <td>{m.category ?? "—"}</td>
            <td>{m.template_name ?? m.kind}</td>
            <td class="bad">{m.error_code ?? ""}</td>
          </tr>
        ))}
      </table>
      <Pager
        base="/messages"
        params={{
          status: f.status,
          category: f.category,
          error_code: f.error_code?.toString(),
          from: f.from,
          to: f.to,
        }}
        next={props.r.next}
      />
    </Layout>
  );
}

export function MessagePage(props: {
  ctx: PageCtx;
  d: NonNullable<Awaited<ReturnType<typeof messageDetail>>>;
  explanation: ErrorExplanation | null;
}) {
  const { message: m, history } = props.d;
  const e = props.explanation;
  return (
    <Layout ctx={props.ctx} title={`Message ${m.id}`}>
      <p>
        To/from <a href={`/customers/${encodeURIComponent(m.customer_id)}`}>{m.customer_id}</a> · {m.direction} ·{" "}
        {m.category ?? "—"} · {m.kind}
        {m.campaign_id ? (
          <>
            {" "}
            · campaign <a href={`/campaigns/${m.campaign_id}`}>{m.campaign_id}</a>
          </>
        ) : null}{" "}
        · wamid {m.wamid ?? "—"}
      </p>
      <h2>Status history</h2>
      <table>
        <tr>
          <th>status</th>
          <th>at</th>
        </tr>
        {history.map((h) => (
          <tr>
            <td>{h.status}</td>
            <td>{when(h.at)}</td>
          </tr>
        ))}
      </table>
      {m.error_code ? (
        <>
          <h2>Meta error {m.error_code}</h2>
          <p class="bad">
            {m.error_title ?? ""} {m.error_details ?? ""}
          </p>
          {e ? (
            <p id="meta-explanation">
              <b>{e.title}</b> ({e.category}
              {e.can_retry ? ", retryable" : ""}): {e.human_explanation}
              <br />
              <b>What to do:</b> {e.suggested_action}
            </p>
          ) : null}
        </>
      ) : null}
      <h2>Pricing</h2>
      <pre>{m.pricing ? JSON.stringify(m.pricing, null, 2) : "not priced (yet)"}</pre>
      <h2>Content</h2>
      <pre>{JSON.stringify(m.content, null, 2)}</pre>
      <h2>Audit</h2>
      <table>
        {props.d.audit.map((a) => (
          <tr>
            <td>{when(a.created_at)}</td>
            <td>{a.action}</td>
            <td>{a.actor}</td>
            <td>
              <code>{JSON.stringify(a.details).slice(0, 300)}</code>
            </td>
          </tr>
        ))}
      </table>
    </Layout>
  );
}
