import type { ApprovalView } from "@wa/messaging";
import { Csrf, Layout, type PageCtx } from "./layout.js";

const at = (iso: string | null) => (iso ? iso.replace("T", " ").slice(0, 19) : "—");
const what = (a: ApprovalView) => {
  const s = a.summary;
  return a.kind === "campaign"
    ? `campaign "${String(s.name)}" · ${String(s.template_name)} · audience ${String(s.audience_estimate)}`
    : `${String(s.category)} ${String(s.kind)} to ${String(s.customer_id)}${s.template_name ? ` · ${String(s.template_name)}` : ""}`;
};

/** One list of approvals (pending or decided). */
const ApprovalTable = (props: { rows: ApprovalView[]; id: string }) => (
  <table id={props.id}>
    <tr>
      <th>requested</th>
      <th>by</th>
      <th>tool</th>
      <th>what</th>
      <th>why</th>
      <th>status</th>
    </tr>
    {props.rows.map((a) => (
      <tr id={`approval-${a.approval_id}`}>
        <td>
          <a href={`/approvals/${a.approval_id}`}>{at(a.created_at)}</a>
        </td>
        <td>{a.requested_by}</td>
        <td>{a.tool}</td>
        <td>{what(a)}</td>
        <td>{a.matched.map((m) => m.name).join("; ")}</td>
        <td>
          <span class="pill status">{a.status}</span>
        </td>
      </tr>
    ))}
  </table>
);

/** The queue: pending first (oldest expiry first), then the latest decisions. */
export function ApprovalsPage(props: { ctx: PageCtx; rows: ApprovalView[]; notice?: string; error?: string }) {
  const pending = props.rows.filter((a) => a.status === "pending").toReversed();
  const decided = props.rows.filter((a) => a.status !== "pending");
  return (
    <Layout ctx={props.ctx} title="Approvals">
      {props.notice ? <div class="notice">{props.notice}</div> : null}
      {props.error ? <div class="error">{props.error}</div> : null}
      <h2>Waiting ({pending.length})</h2>
      <ApprovalTable rows={pending} id="pending" />
      <h2>Decided</h2>
      <ApprovalTable rows={decided} id="decided" />
    </Layout>
  );
}

/** One request: what would run, why it waits, the compliance checks, and the decision (reason required). */
export function ApprovalPage(props: { ctx: PageCtx; a: ApprovalView; notice?: string; error?: string }) {
  const a = props.a;
  const canDecide = props.ctx.operator.role !== "viewer" && a.status === "pending";
  const decide = (verb: "approve" | "reject", label: string) => (
    <form method="post" action={`/approvals/${a.approval_id}/${verb}`} class="inline" id={`${verb}-form`}>
      <Csrf ctx={props.ctx} />
      <input name="reason" required maxlength={500} placeholder={`why you ${verb}`} />
      <button type="submit" class={verb === "reject" ? "danger" : ""} id={`${verb}-button`}>
        {label}
      </button>
    </form>
  );
  return (
    <Layout ctx={props.ctx} title={`Approval for ${a.tool}`}>
      {props.notice ? <div class="notice">{props.notice}</div> : null}
      {props.error ? <div class="error">{props.error}</div> : null}
      <p>
        <span class="pill status" id="approval-status">
          {a.status}
        </span>{" "}
        {what(a)} · requested by {a.requested_by} at {at(a.created_at)} · expires {at(a.expires_at)}
      </p>
      <p>Needs approval because: {a.matched.map((m) => `${m.name} (${m.id})`).join("; ")}</p>
      {canDecide ? (
        <p>
          {decide("approve", "Approve and send")} {decide("reject", "Reject")}
        </p>
      ) : null}
      <h2>Decision</h2>
      <p id="decision">
        {a.decided_by ? `${a.status} by ${a.decided_by} at ${at(a.decided_at)}: ${a.reason ?? ""}` : "not decided yet"}
        {a.message_id ? (
          <>
            {" "}
            · <a href={`/messages/${a.message_id}`}>message {a.message_id}</a>
          </>
        ) : null}
        {a.campaign_id ? (
          <>
            {" "}
            · <a href={`/campaigns/${a.campaign_id}`}>campaign {a.campaign_id}</a>
          </>
        ) : null}
      </p>
      {a.refusal ? (
        <div class="error" id="refusal">
          Refused at approval time: {String(a.refusal.reason_code)}: {String(a.refusal.human_explanation)}
        </div>
      ) : null}
      <h2>Compliance checks at request time</h2>
      <table id="checks">
        <tr>
          <th>rule</th>
          <th>passed</th>
          <th>detail</th>
        </tr>
        {a.checks.map((k) => (
          <tr>
            <td>{k.rule}</td>
            <td>{k.passed ? "yes" : "no"}</td>
            <td>{k.detail}</td>
          </tr>
        ))}
      </table>
      <p class="muted">Approving runs every check again at that moment; a request that no longer passes is refused.</p>
      <h2>Request</h2>
      <pre id="request">{JSON.stringify(a.request, null, 2)}</pre>
    </Layout>
  );
}
