import { OpenAPIHono, z } from "@hono/zod-openapi";
import { explainMetaError } from "@wa/meta";
import { listAgentKeys } from "@wa/agents";
import { createAgent, revokeAgent } from "../actions/agent-actions.js";
import { getApproval, listApprovals } from "@wa/messaging";
import * as approvals from "../actions/approvals.js";
import * as act from "../actions/operator-actions.js";
import type { Env } from "../auth/middleware.js";
import type { ConsoleDeps } from "../deps.js";
import * as q from "../queries/reads.js";
import { refuse } from "../refusal.js";
import { endpoint } from "./endpoint.js";

const anyObject = z.record(z.string(), z.unknown());
const cursor = z
  .string()
  .optional()
  .openapi({ description: "created_at/updated_at of the last row of the previous page (the `next` value)" });
const reason = z
  .string()
  .trim()
  .min(1)
  .max(500)
  .openapi({ description: "why / where it came from (stored in the audit log)" });
const consent = z.enum(["granted", "revoked"]).optional();
const tag = z.string().regex(/^[a-z0-9_-]{1,40}$/);
const uuid = z.object({ id: z.string().uuid() });
const numericId = z.object({ id: z.string().regex(/^\d{1,18}$/) });

/** /api/v1: the console's reads and actions for scripts; the same functions as the pages. */
export function apiRoutes(deps: ConsoleDeps): OpenAPIHono<Env> {
  const api = new OpenAPIHono<Env>();
  api.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API token from the console's Settings page (wat_…).",
  });

  endpoint(api, {
    method: "get",
    path: "/overview",
    summary: "Today's sends, rates, failures, skips, numbers",
    role: "viewer",
    response: anyObject,
    run: async () => q.overview(deps.db, deps.now()),
  });

  endpoint(api, {
    method: "get",
    path: "/customers",
    summary: "Search customers by number prefix, name or tag",
    role: "viewer",
    query: z.object({ q: z.string().max(100).optional(), tag: z.string().max(40).optional(), before: cursor }),
    response: z.object({ customers: z.array(anyObject), next: z.string().nullable() }),
    run: async ({ query }) => q.searchCustomers(deps.db, { text: query.q, tag: query.tag, before: query.before }),
  });

  endpoint(api, {
    method: "get",
    path: "/customers/{id}",
    summary: "One customer: window, consent history, timeline",
    role: "viewer",
    params: z.object({ id: z.string().min(1).max(100) }),
    response: anyObject,
    run: async ({ params }) =>
      (await q.customerDetail(deps.db, params.id, deps.now())) ??
      refuse("NOT_FOUND", `There is no customer ${params.id}.`, "Search with GET /api/v1/customers?q=…"),
  });

  endpoint(api, {
    method: "post",
    path: "/customers/{id}/consent",
    summary: "Change consent (reason required)",
    role: "operator",
    params: z.object({ id: z.string().min(1).max(100) }),
    body: z.object({ marketing: consent, utility: consent, reason }),
    response: z.object({ ok: z.literal(true), changed: z.array(z.string()) }),
    run: async ({ params, body, operator }) =>
      act.setConsent(deps, operator, params.id, { marketing: body.marketing, utility: body.utility }, body.reason),
  });

  endpoint(api, {
    method: "post",
    path: "/customers/{id}/tags",
    summary: "Add/remove tags (reason required)",
    role: "operator",
    params: z.object({ id: z.string().min(1).max(100) }),
    body: z.object({ add: z.array(tag).max(50).default([]), remove: z.array(tag).max(50).default([]), reason }),
    response: z.object({ ok: z.literal(true), tags: z.array(z.string()) }),
    run: async ({ params, body, operator }) =>
      act.changeTags(deps, operator, params.id, body.add, body.remove, body.reason),
  });

  endpoint(api, {
    method: "get",
    path: "/messages",
    summary: "Messages, newest first, with filters",
    role: "viewer",
    query: z.object({
      status: z
        .enum([
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
        ])
        .optional(),
      category: z.enum(["marketing", "utility", "authentication", "service"]).optional(),
      error_code: z.coerce.number().int().optional(),
      from: z.iso.datetime().optional(),
      to: z.iso.datetime().optional(),
      before: cursor,
    }),
    response: z.object({ messages: z.array(anyObject), next: z.string().nullable() }),
    run: async ({ query }) => q.listMessages(deps.db, query),
  });

  endpoint(api, {
    method: "get",
    path: "/messages/{id}",
    summary: "One message: status history, Meta error explained, pricing",
    role: "viewer",
    params: uuid,
    response: anyObject,
    run: async ({ params }) => {
      const d = await q.messageDetail(deps.db, params.id);
      if (!d)
        return refuse("NOT_FOUND", `There is no message ${params.id}.`, "List messages with GET /api/v1/messages.");
      return {
        ...d,
        error_explanation: d.message.error_code
          ? explainMetaError(d.message.error_code, d.message.error_details ?? {})
          : null,
      };
    },
  });

  endpoint(api, {
    method: "get",
    path: "/campaigns",
    summary: "Campaigns with counters",
    role: "viewer",
    response: z.object({ campaigns: z.array(anyObject) }),
    run: async () => ({ campaigns: await q.listCampaigns(deps.db) }),
  });

  endpoint(api, {
    method: "post",
    path: "/campaigns",
    summary: "Schedule a campaign from an APPROVED template",
    role: "operator",
    body: z.object({
      name: z.string().trim().min(1).max(200),
      type: z.enum(["marketing", "utility"]),
      template_name: z.string().min(1).max(512),
      locale: z.string().max(20).optional(),
      deliver_at: z.string(),
      audience_filter: anyObject.optional(),
      variables: z.union([z.array(z.string()), z.record(z.string(), z.string())]).optional(),
    }),
    response: z.object({
      ok: z.literal(true),
      campaign_id: z.string(),
      audience_estimate: z.number(),
      deliver_at: z.string(),
    }),
    run: async ({ body, operator }) => act.createCampaign(deps, operator, body),
  });

  endpoint(api, {
    method: "post",
    path: "/campaigns/estimate",
    summary: "Audience estimate of a filter",
    role: "viewer",
    body: z.object({ audience_filter: anyObject.default({}) }),
    response: z.object({ ok: z.literal(true), audience_estimate: z.number() }),
    run: async ({ body }) => act.audienceEstimate(deps, body.audience_filter),
  });

  for (const verb of ["pause", "resume", "cancel"] as const) {
    endpoint(api, {
      method: "post",
      path: `/campaigns/{id}/${verb}`,
      summary: `${verb[0]!.toUpperCase()}${verb.slice(1)} a campaign (same path as ${verb}_campaign)`,
      role: "operator",
      params: uuid,
      body: z.object({ reason: z.string().max(500).optional() }),
      response: z.object({ ok: z.literal(true), campaign_id: z.string(), status: z.string() }),
      run: async ({ params, body, operator }) => act.steerCampaign(deps, operator, verb, params.id, body.reason),
    });
  }

  endpoint(api, {
    method: "get",
    path: "/approvals",
    summary: "Requests waiting for (or decided by) an operator, newest first",
    role: "viewer",
    query: z.object({ status: z.enum(["pending", "approved", "rejected", "expired"]).optional() }),
    response: z.object({ approvals: z.array(anyObject) }),
    run: async ({ query }) => ({ approvals: await listApprovals(deps.db, { status: query.status }) }),
  });
  endpoint(api, {
    method: "get",
    path: "/approvals/{id}",
    summary: "One approval: the request, why it waits, the compliance checks, the decision",
    role: "viewer",
    params: uuid,
    response: anyObject,
    run: async ({ params }) =>
      (await getApproval(deps.db, params.id)) ??
      refuse("NOT_FOUND", `There is no approval ${params.id}.`, "List them with GET /api/v1/approvals."),
  });
  for (const verb of ["approve", "reject"] as const) {
    endpoint(api, {
      method: "post",
      path: `/approvals/{id}/${verb}`,
      summary:
        verb === "approve"
          ? "Approve (reason required): the request runs through the send path now, compliance checked again"
          : "Reject (reason required): nothing is sent; the agent sees the reason",
      role: "operator",
      params: uuid,
      body: z.object({ reason }),
      response: z.object({ ok: z.literal(true), approval: anyObject }),
      run: async ({ params, body, operator }) => approvals[verb](deps, operator, params.id, body.reason),
    });
  }

  endpoint(api, {
    method: "get",
    path: "/templates",
    summary: "Templates: status, category, quality, last sync",
    role: "viewer",
    response: z.object({ templates: z.array(anyObject) }),
    run: async () => ({ templates: await q.listTemplates(deps.db) }),
  });
  endpoint(api, {
    method: "post",
    path: "/templates/sync",
    summary:
      "Re-read every template from Meta now (UNAVAILABLE 503 without the console's Meta credentials; META_API_ERROR 502 when Meta fails)",
    role: "operator",
    response: z.object({ ok: z.literal(true), synced: z.number().int() }),
    run: async ({ operator }) => act.syncTemplatesNow(deps, operator),
  });

  endpoint(api, {
    method: "get",
    path: "/dead-letters",
    summary: "Parked webhook events",
    role: "viewer",
    response: z.object({ dead_letters: z.array(anyObject) }),
    run: async () => ({ dead_letters: await q.listDeadLetters(deps.db) }),
  });
  endpoint(api, {
    method: "post",
    path: "/dead-letters/{id}/replay",
    summary: "Apply a parked event again",
    role: "operator",
    params: numericId,
    response: z.object({ ok: z.literal(true), id: z.string() }),
    run: async ({ params, operator }) => act.replay(deps, operator, params.id),
  });
  endpoint(api, {
    method: "post",
    path: "/dead-letters/{id}/discard",
    summary: "Drop a parked event (reason required)",
    role: "operator",
    params: numericId,
    body: z.object({ reason }),
    response: z.object({ ok: z.literal(true), id: z.string() }),
    run: async ({ params, body, operator }) => act.discard(deps, operator, params.id, body.reason),
  });

  endpoint(api, {
    method: "get",
    path: "/audit",
    summary: "Audit log with filters",
    role: "viewer",
    query: z.object({
      actor: z.string().max(120).optional(),
      action: z.string().max(100).optional(),
      subject: z.string().max(200).optional(),
      from: z.iso.datetime().optional(),
      to: z.iso.datetime().optional(),
      before: cursor,
    }),
    response: z.object({ entries: z.array(anyObject), next: z.string().nullable() }),
    run: async ({ query }) => q.listAudit(deps.db, query),
  });

  endpoint(api, {
    method: "get",
    path: "/policies",
    summary: "Business policies",
    role: "viewer",
    response: z.object({ policies: z.array(anyObject) }),
    run: async () => ({ policies: await q.listPolicies(deps.db) }),
  });
  endpoint(api, {
    method: "post",
    path: "/policies",
    summary: "Upsert policies (policies.yaml format, same validation)",
    role: "admin",
    body: z.object({ yaml: z.string().max(200_000) }),
    response: z.object({ ok: z.literal(true), changed: z.array(z.string()) }),
    run: async ({ body, operator }) => act.savePolicies(deps, operator, body.yaml),
  });

  const names = z.array(z.string().max(64)).max(200).nullable().optional();
  endpoint(api, {
    method: "get",
    path: "/agents",
    summary: "Agent keys (never the key): name, scopes, last use, revocation",
    role: "viewer",
    response: z.object({ agents: z.array(anyObject) }),
    run: async () => ({ agents: await listAgentKeys(deps.db) }),
  });
  endpoint(api, {
    method: "post",
    path: "/agents",
    summary: "Create an agent key for the gateway's /mcp endpoint; the key is in this answer only",
    role: "admin",
    body: z.object({
      name: z.string().max(40),
      read_only: z.boolean().optional(),
      allowed_tools: names,
      allowed_numbers: names,
      allowed_categories: names,
      marketing_daily_limit: z.number().int().min(0).nullable().optional(),
      approval_actions: z.array(z.string().max(64)).max(200).optional(),
      rate_limit_per_sec: z.number().int().min(1).nullable().optional(),
    }),
    response: z.object({ ok: z.literal(true), id: z.string(), name: z.string(), key: z.string(), prefix: z.string() }),
    run: async ({ body, operator }) => createAgent(deps, operator, body),
  });
  endpoint(api, {
    method: "post",
    path: "/agents/{id}/revoke",
    summary: "Revoke an agent key (takes effect within MCP_KEY_CACHE_MS on every gateway)",
    role: "admin",
    params: numericId,
    response: z.object({ ok: z.literal(true), id: z.string() }),
    run: async ({ params, operator }) => revokeAgent(deps, operator, params.id),
  });

  return api;
}

/** The OpenAPI 3.1 document, generated from the endpoints' zod schemas. */
export function openApiDocument(api: OpenAPIHono<Env>): ApiDocument {
  return api.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "WhatsApp gateway console API",
      version: "1.0.0",
      description: "Reads and operator actions of the console. Authenticate with Authorization: Bearer <API token>.",
    },
    servers: [{ url: "/api/v1" }],
  }) as unknown as ApiDocument;
}

/** The parts of the document the reference page reads; the JSON served is the whole document. */
export interface ApiDocument {
  readonly openapi: string;
  readonly paths?: Record<
    string,
    Record<
      string,
      { summary?: string; description?: string; parameters?: { name: string; in: string }[]; requestBody?: unknown }
    >
  >;
  readonly [key: string]: unknown;
}
