import type { Consent, MessageCategory, MessageStatus } from "@wa/db";
import { explainMetaError } from "@wa/meta";
import {
  changePassword,
  createApiToken,
  createOperator,
  isRole,
  listApiTokens,
  listOperators,
  operatorActor,
  revokeApiToken,
} from "@wa/operators";
import type { Context } from "hono";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { stringify } from "yaml";
import { listAgentKeys } from "@wa/agents";
import { createAgent, revokeAgent, scopesFromForm } from "../actions/agent-actions.js";
import { getApproval, listApprovals } from "@wa/messaging";
import * as approvals from "../actions/approvals.js";
import * as act from "../actions/operator-actions.js";
import { requireRole, type Env } from "../auth/middleware.js";
import type { ConsoleDeps } from "../deps.js";
import * as q from "../queries/reads.js";
import type { Outcome } from "../refusal.js";
import { AgentsPage } from "./agents.js";
import { ApprovalPage, ApprovalsPage } from "./approvals.js";
import { AuditPage, DeadLettersPage, PoliciesPage, SettingsPage, TemplatesPage } from "./admin.js";
import { CampaignPage, CampaignProgress, CampaignsPage } from "./campaigns.js";
import { CustomerPage, CustomersPage } from "./customers.js";
import type { PageCtx } from "./layout.js";
import { MessagePage, MessagesPage } from "./messages.js";
import { OverviewPage } from "./overview.js";

const ctxOf = (c: Context<Env>): PageCtx => ({
  operator: c.get("operator"),
  csrf: c.get("csrf") ?? "",
  path: c.req.path,
});
const flash = (c: Context<Env>) => ({ notice: c.req.query("notice"), error: c.req.query("error") });
const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const pick = (v: unknown) => (v === "granted" || v === "revoked" ? (v as Consent) : undefined);
const list = (v: unknown) =>
  (str(v) ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

const auditFilter = (c: Context<Env>): q.AuditFilter => ({
  actor: c.req.query("actor") || undefined,
  action: c.req.query("action") || undefined,
  subject: c.req.query("subject") || undefined,
  from: c.req.query("from") || undefined,
  to: c.req.query("to") || undefined,
});

/** Post/redirect/get: the outcome travels as a one-line notice or error on the page it returns to. */
function back<T>(c: Context<Env>, to: string, r: Outcome<T> | { ok: true }, ok: string): Response {
  const sep = to.includes("?") ? "&" : "?";
  const text = r.ok
    ? `notice=${encodeURIComponent(ok)}`
    : `error=${encodeURIComponent(`${r.reason_code}: ${r.human_explanation} ${r.suggested_action}`)}`;
  return c.redirect(`${to}${sep}${text}`, 303);
}

export function pageRoutes(deps: ConsoleDeps): Hono<Env> {
  const app = new Hono<Env>();
  const operator = requireRole("operator");

  app.get("/", async (c) =>
    c.html(
      <OverviewPage ctx={ctxOf(c)} o={await q.overview(deps.db, deps.now())} queueDepth={await deps.queueDepth()} />,
    ),
  );

  app.get("/customers", async (c) => {
    const f = { text: c.req.query("q"), tag: c.req.query("tag") };
    return c.html(
      <CustomersPage
        ctx={ctxOf(c)}
        q={f}
        r={await q.searchCustomers(deps.db, { ...f, before: c.req.query("before") })}
      />,
    );
  });
  app.get("/customers/:id", async (c) => {
    const d = await q.customerDetail(deps.db, c.req.param("id"), deps.now());
    if (!d) return c.notFound();
    return c.html(<CustomerPage ctx={ctxOf(c)} d={d} {...flash(c)} />);
  });
  app.post("/customers/:id/consent", operator, async (c) => {
    const id = c.req.param("id");
    const f = await c.req.parseBody();
    const r = await act.setConsent(
      deps,
      c.get("operator"),
      id,
      { marketing: pick(f.marketing), utility: pick(f.utility) },
      str(f.reason),
    );
    return back(
      c,
      `/customers/${encodeURIComponent(id)}`,
      r,
      r.ok && r.changed.length
        ? `Consent changed: ${r.changed.join(", ")}.`
        : "Nothing changed: consent was already so.",
    );
  });
  app.post("/customers/:id/tags", operator, async (c) => {
    const id = c.req.param("id");
    const f = await c.req.parseBody();
    const r = await act.changeTags(deps, c.get("operator"), id, list(f.add), list(f.remove), str(f.reason));
    return back(c, `/customers/${encodeURIComponent(id)}`, r, "Tags saved.");
  });

  app.get("/messages", async (c) => {
    const code = c.req.query("error_code");
    const f: q.MessageFilter = {
      status: (c.req.query("status") || undefined) as MessageStatus | undefined,
      category: (c.req.query("category") || undefined) as MessageCategory | undefined,
      error_code: code && /^\d+$/.test(code) ? Number(code) : undefined,
      from: c.req.query("from") || undefined,
      to: c.req.query("to") || undefined,
    };
    return c.html(
      <MessagesPage ctx={ctxOf(c)} f={f} r={await q.listMessages(deps.db, { ...f, before: c.req.query("before") })} />,
    );
  });
  app.get("/messages/:id", async (c) => {
    const d = await q.messageDetail(deps.db, c.req.param("id"));
    if (!d) return c.notFound();
    const e = d.message.error_code ? explainMetaError(d.message.error_code, d.message.error_details ?? {}) : null;
    return c.html(<MessagePage ctx={ctxOf(c)} d={d} explanation={e} />);
  });

  app.get("/campaigns", async (c) => {
    const templates = (await q.listTemplates(deps.db)).filter(
      (t) => t.status === "APPROVED" && t.category !== "authentication",
    );
    return c.html(
      <CampaignsPage ctx={ctxOf(c)} campaigns={await q.listCampaigns(deps.db)} templates={templates} {...flash(c)} />,
    );
  });
  app.get("/campaigns/stream", (c) => {
    const only = c.req.query("id");
    return streamSSE(c, async (stream) => {
      const seen = new Map<string, number>();
      const state = { open: true };
      stream.onAbort(() => {
        state.open = false;
      });
      while (state.open) {
        const rows = only
          ? await deps.db.selectFrom("campaigns").selectAll().where("id", "=", only).execute()
          : await q.listCampaigns(deps.db);
        for (const row of rows) {
          if (seen.get(row.id) === row.updated_at.getTime()) continue;
          seen.set(row.id, row.updated_at.getTime());
          await stream.writeSSE({ event: row.id, data: String(<CampaignProgress c={row} />) });
        }
        await stream.sleep(1000);
      }
    });
  });
  app.post("/campaigns/estimate", operator, async (c) => {
    const f = await c.req.parseBody();
    const filter = {
      ...(list(f.include_tags).length ? { include_tags: list(f.include_tags) } : {}),
      ...(list(f.exclude_tags).length ? { exclude_tags: list(f.exclude_tags) } : {}),
    };
    const r = await act.audienceEstimate(deps, filter);
    return c.html(
      r.ok
        ? `audience: ${r.audience_estimate} customers match now`
        : `<span class="bad">${r.human_explanation.replace(/</g, "&lt;")}</span>`,
    );
  });
  app.post("/campaigns", operator, async (c) => {
    const f = await c.req.parseBody();
    const [template_name = "", locale = "en", type = ""] = (str(f.template) ?? "").split("|");
    const filter = {
      ...(list(f.include_tags).length ? { include_tags: list(f.include_tags) } : {}),
      ...(list(f.exclude_tags).length ? { exclude_tags: list(f.exclude_tags) } : {}),
    };
    const r = await act.createCampaign(deps, c.get("operator"), {
      name: str(f.name) ?? "",
      type,
      template_name,
      locale,
      deliver_at: str(f.deliver_at) ?? "",
      audience_filter: filter,
    });
    return back(
      c,
      r.ok ? `/campaigns/${r.campaign_id}` : "/campaigns",
      r,
      r.ok ? `Scheduled for ${r.audience_estimate} customers.` : "",
    );
  });
  app.get("/campaigns/:id", async (c) => {
    const id = c.req.param("id");
    const row = /^[0-9a-f-]{36}$/i.test(id)
      ? await deps.db.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirst()
      : undefined;
    if (!row) return c.notFound();
    return c.html(<CampaignPage ctx={ctxOf(c)} c={row} {...flash(c)} />);
  });
  for (const verb of ["pause", "resume", "cancel"] as const) {
    app.post(`/campaigns/:id/${verb}`, operator, async (c) => {
      const id = c.req.param("id");
      const f = await c.req.parseBody();
      const r = await act.steerCampaign(deps, c.get("operator"), verb, id, str(f.reason));
      return back(c, `/campaigns/${id}`, r, r.ok ? `Campaign ${r.status}.` : "");
    });
  }

  app.get("/approvals", async (c) =>
    c.html(<ApprovalsPage ctx={ctxOf(c)} rows={await listApprovals(deps.db, { limit: 200 })} {...flash(c)} />),
  );
  app.get("/approvals/:id", async (c) => {
    const a = await getApproval(deps.db, c.req.param("id"));
    return a ? c.html(<ApprovalPage ctx={ctxOf(c)} a={a} {...flash(c)} />) : c.notFound();
  });
  for (const verb of ["approve", "reject"] as const) {
    app.post(`/approvals/:id/${verb}`, operator, async (c) => {
      const id = c.req.param("id");
      const f = await c.req.parseBody();
      const r = await approvals[verb](deps, c.get("operator"), id, str(f.reason) ?? "");
      const done = !r.ok
        ? ""
        : r.approval.refusal
          ? `Approved, but refused now: ${String(r.approval.refusal.reason_code)}.`
          : verb === "approve"
            ? "Approved: it runs through the send path now."
            : "Rejected.";
      return back(c, `/approvals/${id}`, r, done);
    });
  }

  app.get("/templates", async (c) =>
    c.html(
      <TemplatesPage
        ctx={ctxOf(c)}
        templates={await q.listTemplates(deps.db)}
        syncUnavailable={deps.syncTemplates ? undefined : act.SYNC_UNAVAILABLE}
        {...flash(c)}
      />,
    ),
  );
  app.post("/templates/sync", operator, async (c) => {
    const r = await act.syncTemplatesNow(deps, c.get("operator"));
    return back(c, "/templates", r, r.ok ? `Synced ${r.synced} templates from Meta.` : "");
  });

  app.get("/dead-letters", async (c) =>
    c.html(<DeadLettersPage ctx={ctxOf(c)} rows={await q.listDeadLetters(deps.db)} {...flash(c)} />),
  );
  app.post("/dead-letters/:id/replay", operator, async (c) =>
    back(
      c,
      "/dead-letters",
      await act.replay(deps, c.get("operator"), c.req.param("id")),
      "Replayed: the event was applied.",
    ),
  );
  app.post("/dead-letters/:id/discard", operator, async (c) => {
    const f = await c.req.parseBody();
    return back(
      c,
      "/dead-letters",
      await act.discard(deps, c.get("operator"), c.req.param("id"), str(f.reason)),
      "Discarded.",
    );
  });

  app.get("/audit", async (c) => {
    const f = auditFilter(c);
    const r = await q.listAudit(deps.db, { ...f, before: c.req.query("before") });
    return c.html(<AuditPage ctx={ctxOf(c)} f={f} entries={r.entries} next={r.next} />);
  });
  app.get("/audit.csv", async (c) => {
    const r = await q.listAudit(deps.db, auditFilter(c), 10_000);
    return c.body(toCsv(r.entries), 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": 'attachment; filename="audit.csv"',
    });
  });

  app.get("/policies", async (c) => {
    const policies = await q.listPolicies(deps.db);
    const yaml = stringify({
      policies: policies.map((p) => ({
        id: p.id,
        name: p.name,
        type: p.type,
        message_type: p.message_type,
        enabled: p.enabled,
        rules: p.rules,
      })),
    });
    return c.html(<PoliciesPage ctx={ctxOf(c)} policies={policies} yaml={yaml} {...flash(c)} />);
  });
  app.post("/policies", requireRole("admin"), async (c) => {
    const f = await c.req.parseBody();
    const r = await act.savePolicies(deps, c.get("operator"), str(f.yaml) ?? "");
    return back(c, "/policies", r, r.ok ? `Saved; changed: ${r.changed.join(", ") || "nothing"}.` : "");
  });

  app.get("/agents", async (c) =>
    c.html(<AgentsPage ctx={ctxOf(c)} keys={await listAgentKeys(deps.db)} {...flash(c)} />),
  );
  app.post("/agents", requireRole("admin"), async (c) => {
    const r = await createAgent(deps, c.get("operator"), scopesFromForm(await c.req.parseBody()));
    if (!r.ok) return back(c, "/agents", r, "");
    // Rendered directly (not redirected): the key must never sit in a URL or a log line.
    return c.html(
      <AgentsPage ctx={ctxOf(c)} keys={await listAgentKeys(deps.db)} newKey={{ name: r.name, key: r.key }} />,
    );
  });
  app.post("/agents/:id/revoke", requireRole("admin"), async (c) => {
    const r = await revokeAgent(deps, c.get("operator"), c.req.param("id"));
    return back(c, "/agents", r, "Key revoked; it stops working within MCP_KEY_CACHE_MS (5 s).");
  });

  app.get("/settings", async (c) => {
    const op = c.get("operator");
    const tokens = (await listApiTokens(deps.db))
      .filter((t) => op.role === "admin" || t.operator === op.name)
      .map((t) => ({ ...t, id: String(t.id) }));
    const operators = op.role === "admin" ? await listOperators(deps.db) : [];
    return c.html(
      <SettingsPage ctx={ctxOf(c)} tokens={tokens} operators={operators} newToken={undefined} {...flash(c)} />,
    );
  });
  app.post("/settings/tokens", async (c) => {
    const op = c.get("operator");
    const f = await c.req.parseBody();
    const t = await createApiToken(deps.db, op, str(f.name) ?? "token", operatorActor(op.name));
    const tokens = (await listApiTokens(deps.db))
      .filter((x) => op.role === "admin" || x.operator === op.name)
      .map((x) => ({ ...x, id: String(x.id) }));
    // Rendered directly (not redirected): the token must never sit in a URL or a log line.
    return c.html(
      <SettingsPage
        ctx={ctxOf(c)}
        tokens={tokens}
        operators={op.role === "admin" ? await listOperators(deps.db) : []}
        newToken={t.token}
      />,
    );
  });
  app.post("/settings/tokens/:id/revoke", async (c) => {
    const op = c.get("operator");
    const id = c.req.param("id");
    const owner = await deps.db
      .selectFrom("api_tokens as t")
      .innerJoin("operators as o", "o.id", "t.operator_id")
      .select("o.name")
      .where("t.id", "=", /^\d+$/.test(id) ? id : "0")
      .executeTakeFirst();
    const allowed = owner && (op.role === "admin" || owner.name === op.name);
    const ok = allowed ? await revokeApiToken(deps.db, id, operatorActor(op.name)) : false;
    return back(
      c,
      "/settings",
      ok
        ? { ok: true }
        : {
            ok: false,
            reason_code: "NOT_FOUND",
            human_explanation: "No such active token of yours.",
            suggested_action: "Reload the page.",
          },
      "Token revoked.",
    );
  });
  app.post("/settings/password", async (c) => {
    const op = c.get("operator");
    const f = await c.req.parseBody();
    const r = await changePassword(deps.db, op, str(f.current) ?? "", str(f.password) ?? "", operatorActor(op.name));
    if (!r.ok)
      return back(
        c,
        "/settings",
        { ok: false, reason_code: r.reason_code, human_explanation: r.message, suggested_action: "Try again." },
        "",
      );
    return c.redirect("/login", 303); // every session of the account ended, this one too
  });
  app.post("/settings/operators", requireRole("admin"), async (c) => {
    const f = await c.req.parseBody();
    const role = str(f.role) ?? "";
    if (!isRole(role))
      return back(
        c,
        "/settings",
        {
          ok: false,
          reason_code: "INVALID_ARGUMENT",
          human_explanation: "Unknown role.",
          suggested_action: "Choose viewer, operator or admin.",
        },
        "",
      );
    const r = await createOperator(
      deps.db,
      { name: str(f.name) ?? "", role, password: str(f.password) ?? "" },
      operatorActor(c.get("operator").name),
    );
    return back(
      c,
      "/settings",
      r.ok
        ? r
        : {
            ok: false,
            reason_code: r.reason_code,
            human_explanation: r.message,
            suggested_action: "Correct it and try again.",
          },
      "Operator added.",
    );
  });

  return app;
}

const cell = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
// A leading =, +, - or @ would run as a formula in a spreadsheet: prefix it with a quote.
const safe = (v: string) => cell(/^[=+\-@]/.test(v) ? `'${v}` : v);

function toCsv(
  rows: readonly {
    id: string;
    actor: string;
    action: string;
    subject_type: string;
    subject_id: string;
    details: unknown;
    created_at: Date;
  }[],
): string {
  const lines = ["created_at,actor,action,subject_type,subject_id,details"];
  for (const r of rows)
    lines.push(
      [r.created_at.toISOString(), r.actor, r.action, r.subject_type, r.subject_id, JSON.stringify(r.details)]
        .map(safe)
        .join(","),
    );
  return `${lines.join("\n")}\n`;
}
