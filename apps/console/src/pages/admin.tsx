import type { AuditLogRow, PolicyRow, TemplateRow, WebhookDeadLetterRow } from "@wa/db";
import type { AuditFilter } from "../queries/reads.js";
import { Csrf, Layout, Pager, when, type PageCtx } from "./layout.js";

type Flash = { notice?: string; error?: string };
const FlashBox = (p: Flash) => (
  <>
    {p.notice ? <div class="notice">{p.notice}</div> : null}
    {p.error ? <div class="error">{p.error}</div> : null}
  </>
);

type TemplateListRow = Pick<
  TemplateRow,
  "waba_id" | "name" | "locale" | "category" | "status" | "quality" | "synced_at" | "rejection_reason"
> & { business_id: string | null };

export function TemplatesPage(props: { ctx: PageCtx; templates: TemplateListRow[]; syncUnavailable?: string } & Flash) {
  const canSteer = props.ctx.operator.role !== "viewer";
  return (
    <Layout ctx={props.ctx} title="Templates">
      <FlashBox {...props} />
      {canSteer ? (
        <form method="post" action="/templates/sync" class="inline">
          <Csrf ctx={props.ctx} />
          <button
            type="submit"
            class="sync"
            disabled={props.syncUnavailable !== undefined}
            title={props.syncUnavailable}
          >
            Sync now
          </button>
          {props.syncUnavailable ? (
            <span class="muted"> Unavailable: {props.syncUnavailable}</span>
          ) : (
            <span class="muted"> Re-reads every WABA's templates from Meta.</span>
          )}
        </form>
      ) : null}
      <table>
        <tr>
          <th>name</th>
          <th>locale</th>
          <th title="a template belongs to one WhatsApp Business Account: only its numbers send it">WABA</th>
          <th>category</th>
          <th>status</th>
          <th>quality</th>
          <th>last sync</th>
        </tr>
        {props.templates.map((t) => (
          <tr>
            <td>{t.name}</td>
            <td>{t.locale}</td>
            <td>
              {t.waba_id ?? "—"}
              {t.business_id ? <span class="muted"> ({t.business_id})</span> : null}
            </td>
            <td>{t.category}</td>
            <td class={t.status === "APPROVED" ? "ok" : "warn"}>
              {t.status}
              {t.rejection_reason ? ` (${t.rejection_reason})` : ""}
            </td>
            <td>{t.quality ?? "—"}</td>
            <td>{when(t.synced_at)}</td>
          </tr>
        ))}
      </table>
    </Layout>
  );
}

export function DeadLettersPage(props: { ctx: PageCtx; rows: WebhookDeadLetterRow[] } & Flash) {
  const canSteer = props.ctx.operator.role !== "viewer";
  return (
    <Layout ctx={props.ctx} title="Dead letters">
      <FlashBox {...props} />
      <p class="muted">
        Webhook events that could not be applied after every retry. Fix the cause, then replay; or discard with a
        reason.
      </p>
      <table>
        <tr>
          <th>parked</th>
          <th>kind</th>
          <th>key</th>
          <th>error</th>
          <th>event</th>
          <th></th>
        </tr>
        {props.rows.map((d) => (
          <tr id={`dead-${d.id}`}>
            <td>{when(d.parked_at)}</td>
            <td>{d.kind}</td>
            <td>
              <code>{d.event_key}</code>
            </td>
            <td class="bad">{d.error}</td>
            <td>
              <details>
                <summary>show</summary>
                <pre>{JSON.stringify(d.event, null, 2)}</pre>
              </details>
            </td>
            <td>
              {canSteer ? (
                <>
                  <form method="post" action={`/dead-letters/${d.id}/replay`} class="inline">
                    <Csrf ctx={props.ctx} />
                    <button type="submit" class="replay">
                      Replay
                    </button>
                  </form>
                  <form method="post" action={`/dead-letters/${d.id}/discard`} class="inline">
                    <Csrf ctx={props.ctx} />
                    <input name="reason" required placeholder="reason" />
                    <button type="submit" class="danger">
                      Discard
                    </button>
                  </form>
                </>
              ) : null}
            </td>
          </tr>
        ))}
      </table>
    </Layout>
  );
}

export function AuditPage(props: {
  ctx: PageCtx;
  f: AuditFilter;
  entries: Pick<AuditLogRow, "id" | "actor" | "action" | "subject_type" | "subject_id" | "details" | "created_at">[];
  next: string | null;
}) {
  const f = props.f;
  const q = new URLSearchParams(Object.entries(f).filter(([, v]) => v) as [string, string][]);
  return (
    <Layout ctx={props.ctx} title="Audit log">
      <form class="filters" method="get" action="/audit">
        <input
          name="actor"
          value={f.actor ?? ""}
          placeholder="actor: agent, operator, operator:alice, webhook, system"
          size={40}
        />
        <input name="action" value={f.action ?? ""} placeholder="action, e.g. consent.updated" />
        <input name="subject" value={f.subject ?? ""} placeholder="subject, e.g. customer:62811…" />
        <input name="from" value={f.from ?? ""} placeholder="from (ISO)" />
        <input name="to" value={f.to ?? ""} placeholder="to (ISO)" />
        <button type="submit">Filter</button> <a href={`/audit.csv?${q}`}>CSV export</a>
      </form>
      <table id="audit">
        <tr>
          <th>time</th>
          <th>actor</th>
          <th>action</th>
          <th>subject</th>
          <th>details</th>
        </tr>
        {props.entries.map((a) => (
          <tr>
            <td>{when(a.created_at)}</td>
            <td>{a.actor}</td>
            <td>{a.action}</td>
            <td>
              {a.subject_type}:{a.subject_id}
            </td>
            <td>
              <code>{JSON.stringify(a.details).slice(0, 400)}</code>
            </td>
          </tr>
        ))}
      </table>
      <Pager base="/audit" params={{ ...f, before: undefined }} next={props.next} />
    </Layout>
  );
}

export function PoliciesPage(props: { ctx: PageCtx; policies: PolicyRow[]; yaml: string } & Flash) {
  const admin = props.ctx.operator.role === "admin";
  return (
    <Layout ctx={props.ctx} title="Policies">
      <FlashBox {...props} />
      <table>
        <tr>
          <th>id</th>
          <th>name</th>
          <th>type</th>
          <th>message type</th>
          <th>enabled</th>
          <th>rules</th>
          <th>updated</th>
        </tr>
        {props.policies.map((p) => (
          <tr>
            <td>{p.id}</td>
            <td>{p.name}</td>
            <td>{p.type}</td>
            <td>{p.message_type}</td>
            <td>{p.enabled ? "yes" : "no"}</td>
            <td>
              <code>{JSON.stringify(p.rules)}</code>
            </td>
            <td>{when(p.updated_at)}</td>
          </tr>
        ))}
      </table>
      {admin ? (
        <>
          <h2>Edit (policies.yaml format, validated by the same rules)</h2>
          <p class="muted">
            Saved policies are upserted by id; a policy left out is not deleted (set <code>enabled: false</code>).
            policies.yaml stays the truth: each app start applies it again and disables enabled policies it does not
            list, so put lasting changes in the file.
          </p>
          <form method="post" action="/policies">
            <Csrf ctx={props.ctx} />
            <textarea name="yaml" rows={18} cols={100}>
              {props.yaml}
            </textarea>
            <br />
            <button type="submit">Validate and save</button>
          </form>
        </>
      ) : null}
    </Layout>
  );
}

export function SettingsPage(
  props: {
    ctx: PageCtx;
    tokens: {
      id: string;
      name: string;
      prefix: string;
      operator: string;
      created_at: Date;
      last_used_at: Date | null;
      revoked_at: Date | null;
    }[];
    operators: { name: string; role: string; disabled_at: Date | null }[];
    newToken?: string;
  } & Flash,
) {
  const admin = props.ctx.operator.role === "admin";
  return (
    <Layout ctx={props.ctx} title="Settings">
      <FlashBox {...props} />
      {props.newToken ? (
        <div class="notice">
          New API token (shown once, copy it now): <code id="new-token">{props.newToken}</code>
        </div>
      ) : null}
      <h2>Your password</h2>
      <form method="post" action="/settings/password" class="inline">
        <Csrf ctx={props.ctx} />
        <input name="current" type="password" required placeholder="current password" autocomplete="current-password" />
        <input
          name="password"
          type="password"
          required
          placeholder="new password (12+ chars)"
          autocomplete="new-password"
        />
        <button type="submit">Change password</button>
      </form>
      <h2>API tokens</h2>
      <p class="muted">
        A token acts with its operator's role on /api/v1 (Authorization: Bearer …). Only its hash is stored.
      </p>
      <form method="post" action="/settings/tokens" class="inline">
        <Csrf ctx={props.ctx} />
        <input name="name" required placeholder="token name" />
        <button type="submit">Create token</button>
      </form>
      <table>
        <tr>
          <th>name</th>
          <th>prefix</th>
          <th>operator</th>
          <th>created</th>
          <th>last used</th>
          <th>revoked</th>
          <th></th>
        </tr>
        {props.tokens.map((t) => (
          <tr>
            <td>{t.name}</td>
            <td>
              <code>{t.prefix}…</code>
            </td>
            <td>{t.operator}</td>
            <td>{when(t.created_at)}</td>
            <td>{when(t.last_used_at)}</td>
            <td>{when(t.revoked_at)}</td>
            <td>
              {!t.revoked_at && (admin || t.operator === props.ctx.operator.name) ? (
                <form method="post" action={`/settings/tokens/${t.id}/revoke`} class="inline">
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
      {admin ? (
        <>
          <h2>Operators</h2>
          <table>
            <tr>
              <th>name</th>
              <th>role</th>
              <th>disabled</th>
            </tr>
            {props.operators.map((o) => (
              <tr>
                <td>{o.name}</td>
                <td>{o.role}</td>
                <td>{when(o.disabled_at)}</td>
              </tr>
            ))}
          </table>
          <form method="post" action="/settings/operators" class="inline">
            <Csrf ctx={props.ctx} />
            <input name="name" required placeholder="name" />
            <select name="role">
              <option>viewer</option>
              <option>operator</option>
              <option>admin</option>
            </select>
            <input name="password" type="password" required placeholder="password (12+ chars)" />
            <button type="submit">Add operator</button>
          </form>
        </>
      ) : null}
    </Layout>
  );
}

export function LoginPage(props: { next: string; error?: string }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>Log in · WhatsApp gateway console</title>
        <link rel="stylesheet" href="/static/console.css" />
      </head>
      <body>
        <form class="login" method="post" action="/login">
          <h1>WhatsApp gateway console</h1>
          {props.error ? <div class="error">{props.error}</div> : null}
          <input type="hidden" name="next" value={props.next} />
          <label>
            Name <input name="name" autocomplete="username" required autofocus />
          </label>
          <label>
            Password <input name="password" type="password" autocomplete="current-password" required />
          </label>
          <button type="submit">Log in</button>
        </form>
      </body>
    </html>
  );
}
