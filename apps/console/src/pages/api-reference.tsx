import { Layout, type PageCtx } from "./layout.js";

import type { ApiDocument as Doc } from "../api/routes.js";

/** The API reference, rendered from the same OpenAPI document the API serves (no external viewer). */
export function ApiReference(props: { ctx: PageCtx; doc: Doc }) {
  const rows = Object.entries(props.doc.paths ?? {}).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ path, method, op })),
  );
  return (
    <Layout ctx={props.ctx} title="REST API v1">
      <p>
        Base URL <code>/api/v1</code>. Authenticate with <code>Authorization: Bearer wat_…</code> (create a token under
        Settings; it acts with your role). Refusals are JSON{" "}
        <code>{"{ ok: false, reason_code, human_explanation, suggested_action }"}</code>. Machine-readable:{" "}
        <a href="/api/v1/openapi.json">openapi.json</a> (OpenAPI 3.1).
      </p>
      <table>
        <tr>
          <th>method</th>
          <th>path</th>
          <th>what</th>
          <th>needs</th>
          <th>parameters</th>
        </tr>
        {rows.map((r) => (
          <tr>
            <td>
              <code>{r.method.toUpperCase()}</code>
            </td>
            <td>
              <code>/api/v1{r.path}</code>
            </td>
            <td>{r.op.summary ?? ""}</td>
            <td>{r.op.description ?? ""}</td>
            <td>
              {(r.op.parameters ?? []).map((p) => `${p.name} (${p.in})`).join(", ")}
              {r.op.requestBody ? " + JSON body" : ""}
            </td>
          </tr>
        ))}
      </table>
    </Layout>
  );
}
