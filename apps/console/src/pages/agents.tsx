import type { AgentKeyRow } from "@wa/db";
import { Csrf, Layout, when, type PageCtx } from "./layout.js";

type AgentKeyListRow = Omit<AgentKeyRow, "key_hash">;
const listed = (v: string[] | null) => (v === null ? "all" : v.join(", ") || "none");

/** Agents: API keys for the gateway's HTTP endpoint, each with a name and scopes. A new key is shown once. */
export function AgentsPage(props: {
  ctx: PageCtx;
  keys: AgentKeyListRow[];
  newKey?: { name: string; key: string };
  notice?: string;
  error?: string;
}) {
  const admin = props.ctx.operator.role === "admin";
  return (
    <Layout ctx={props.ctx} title="Agents">
      {props.notice ? <div class="notice">{props.notice}</div> : null}
      {props.error ? <div class="error">{props.error}</div> : null}
      {props.newKey ? (
        <div class="notice">
          New key for agent {props.newKey.name} (shown once, copy it now): <code id="new-key">{props.newKey.key}</code>
        </div>
      ) : null}
      <p class="muted">
        An agent calls the gateway's /mcp endpoint with Authorization: Bearer wak_…; its audit entries say
        agent:&lt;name&gt;. Only the key's hash is stored; a revoke takes effect within MCP_KEY_CACHE_MS (5 s). Lists
        are comma-separated; empty means every tool, number or category.
      </p>
      {admin ? (
        <form method="post" action="/agents" class="inline">
          <Csrf ctx={props.ctx} />
          <input name="name" required placeholder="agent name (a-z, 0-9, . _ -)" />
          <label>
            <input type="checkbox" name="read_only" value="true" /> read-only tools only
          </label>
          <input name="allowed_tools" placeholder="allowed tools, e.g. check_compliance,send_template" />
          <input name="allowed_numbers" placeholder="allowed phone_number_ids" />
          <input
            name="allowed_categories"
            placeholder="allowed template categories: marketing,utility,authentication"
          />
          <input name="marketing_daily_limit" type="number" min="0" placeholder="marketing sends per day" />
          <input name="approval_actions" placeholder="needs approval: tools or categories, e.g. schedule_campaign" />
          <input name="rate_limit_per_sec" type="number" min="1" placeholder="requests per second (default)" />
          <button type="submit">Create key</button>
        </form>
      ) : null}
      <table>
        <tr>
          <th>agent</th>
          <th>prefix</th>
          <th>scopes</th>
          <th>needs approval</th>
          <th>created</th>
          <th>last used</th>
          <th>revoked</th>
          <th></th>
        </tr>
        {props.keys.map((k) => (
          <tr>
            <td>{k.name}</td>
            <td>
              <code>{k.prefix}…</code>
            </td>
            <td>
              {k.read_only ? "read-only; " : ""}tools: {listed(k.allowed_tools)}; numbers: {listed(k.allowed_numbers)};
              categories: {listed(k.allowed_categories)}; marketing/day: {k.marketing_daily_limit ?? "—"}; rate/s:{" "}
              {k.rate_limit_per_sec ?? "default"}
            </td>
            <td>{k.approval_actions.join(", ") || "—"}</td>
            <td>
              {when(k.created_at)} by {k.created_by}
            </td>
            <td>{when(k.last_used_at)}</td>
            <td>{when(k.revoked_at)}</td>
            <td>
              {admin && !k.revoked_at ? (
                <form method="post" action={`/agents/${k.id}/revoke`} class="inline">
                  <Csrf ctx={props.ctx} />
                  <button type="submit" class="danger">
                    Revoke
                  </button>
                </form>
              ) : null}
            </td>
          </tr>
        ))}
      </table>
    </Layout>
  );
}
