import type { overview } from "../queries/reads.js";
import { Layout, type PageCtx } from "./layout.js";

const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(1)} %`);

export function OverviewPage(props: {
  ctx: PageCtx;
  o: Awaited<ReturnType<typeof overview>>;
  queueDepth: number | null;
}) {
  const { o } = props;
  return (
    <Layout ctx={props.ctx} title="Overview">
      <p class="muted">Today since {o.since.slice(0, 16).replace("T", " ")} UTC.</p>
      <div class="cards">
        {Object.entries(o.sends_by_category).map(([cat, n]) => (
          <div class="card">
            <span class="muted">{cat} sends</span>
            <b>{n}</b>
          </div>
        ))}
        <div class="card">
          <span class="muted">delivery rate</span>
          <b>{pct(o.delivery_rate)}</b>
        </div>
        <div class="card">
          <span class="muted">read rate</span>
          <b>{pct(o.read_rate)}</b>
        </div>
        <div class="card">
          <span class="muted">queue depth</span>
          <b>{props.queueDepth ?? "?"}</b>
        </div>
        <div class="card">
          <span class="muted">dead letters</span>
          <b class={o.dead_letters ? "bad" : ""}>
            <a href="/dead-letters">{o.dead_letters}</a>
          </b>
        </div>
      </div>
      <h2>By status</h2>
      <table>
        <tr>
          {Object.keys(o.by_status).map((s) => (
            <th>{s}</th>
          ))}
        </tr>
        <tr>
          {Object.values(o.by_status).map((n) => (
            <td>{n}</td>
          ))}
        </tr>
      </table>
      <h2>Refusals by reason (agent sends)</h2>
      <table id="refusals">
        <tr>
          <th>reason</th>
          <th>count</th>
        </tr>
        {o.refusals_by_reason.map((r) => (
          <tr>
            <td>
              <a href="/audit?action=message.refused">{r.reason}</a>
            </td>
            <td>{r.count}</td>
          </tr>
        ))}
      </table>
      <h2>Campaign recipients skipped, by reason</h2>
      <table>
        <tr>
          <th>reason</th>
          <th>count</th>
        </tr>
        {o.campaign_skips_by_reason.map((r) => (
          <tr>
            <td>{r.reason}</td>
            <td>{r.count}</td>
          </tr>
        ))}
      </table>
      <h2>Failures by Meta code</h2>
      <table>
        <tr>
          <th>code</th>
          <th>count</th>
        </tr>
        {o.failures_by_code.map((r) => (
          <tr>
            <td>
              <a href={`/messages?status=failed&error_code=${r.code ?? ""}`}>{r.code ?? "—"}</a>
            </td>
            <td>{r.count}</td>
          </tr>
        ))}
      </table>
      <h2>Numbers</h2>
      <table>
        <tr>
          <th>phone number id</th>
          <th>display</th>
          <th>quality</th>
          <th>tier</th>
          <th>throughput</th>
          <th>sending</th>
        </tr>
        {o.numbers.map((n) => (
          <tr>
            <td>{n.phone_number_id}</td>
            <td>{n.display ?? "—"}</td>
            <td>{n.quality}</td>
            <td>{n.tier ?? "—"}</td>
            <td>{n.throughput_mps} mps</td>
            <td>{n.sending}</td>
          </tr>
        ))}
      </table>
    </Layout>
  );
}
