import { missingToolScope } from "@wa/agents";
import { refuse, type Refusal } from "@wa/contract";
import { findMessage } from "@wa/messaging";
import { sql } from "kysely";
import type { ToolDeps } from "../deps.js";
import type { Tool } from "./define-tool.js";

const SEND_ACTIONS = ["message.queued", "message.scheduled"];
// Tools that act from the number of the message they name (only that number knows its wamid).
const MESSAGE_TOOLS = new Set(["mark_read", "react_to_message"]);
// Tools acting on a campaign act for the number the campaign sends from.
const CAMPAIGN_TOOLS = new Set(["cancel_campaign", "pause_campaign", "resume_campaign"]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The agent's key scopes, checked before a tool runs: the tool itself, the business number it acts for (every
 * tool that changes something: its `from`, else the default number), a template's category, and the agent's own daily marketing limit.
 */
export async function scopeRefusal(tool: Tool, args: unknown, deps: ToolDeps): Promise<Refusal | null> {
  const agent = deps.agent;
  const missing = missingToolScope(agent, tool.name, tool.annotations.readOnlyHint);
  if (missing) return denied(deps, missing, toolExplanation(missing, tool.name));
  if (tool.annotations.readOnlyHint) return null;
  const numbers = agent.allowedNumbers ? await numbersOf(tool.name, args, deps) : []; // no lookup without a limit
  const barred = numbers.find((n) => !agent.allowedNumbers?.has(n));
  if (barred !== undefined)
    return denied(deps, `numbers:${barred}`, `This agent's key may not act for number ${barred}.`);
  if (agent.allowedCategories === null && agent.marketingDailyLimit === null) return null;
  const template = templateOf(args);
  if (!template) return null;
  const category = await categoryOf(deps, template, args);
  if (!category) return null; // unknown template: the tool answers TEMPLATE_NOT_FOUND itself
  if (agent.allowedCategories && !agent.allowedCategories.has(category))
    return denied(deps, `categories:${category}`, `This agent's key may not send ${category} templates.`);
  if (category !== "marketing" || agent.marketingDailyLimit === null) return null;
  if (tool.name === "schedule_campaign")
    return denied(
      deps,
      "marketing_daily_limit",
      "This agent's key has a daily marketing limit, and a marketing campaign's audience is not counted against it, so the key cannot start one.",
    );
  const sent = await marketingSentToday(deps);
  if (sent < agent.marketingDailyLimit) return null;
  return denied(
    deps,
    "marketing_daily_limit",
    `This agent has sent ${sent} marketing messages today (UTC), its key's limit is ${agent.marketingDailyLimit}.`,
  );
}

function denied(deps: ToolDeps, scope: string, why: string): Refusal {
  return refuse(
    "SCOPE_DENIED",
    `${why} Missing scope: ${scope} (agent ${deps.agent.name}).`,
    "Use a tool or template the key allows (tools/list shows this key's tools), or ask the operator for a key with this scope.",
    { scope },
  );
}

function toolExplanation(scope: string, tool: string): string {
  return scope === "read_only"
    ? `${tool} changes data and this agent's key is read-only.`
    : `${tool} is not among the tools this agent's key allows.`;
}

interface NumberArgs {
  from?: unknown;
  message_id?: unknown;
  message_ids?: unknown;
  campaign_id?: unknown;
  conversation_id?: unknown;
}

/**
 * The numbers a changing tool acts for: its `from`; without one, the number of what it acts on (a message, the
 * messages it retries, a campaign, a conversation; NULL = the default number), else the default number. Empty
 * when `from` names none of ours or the object is unknown: the tool refuses that itself.
 */
async function numbersOf(tool: string, args: unknown, deps: ToolDeps): Promise<string[]> {
  const a: NumberArgs = typeof args === "object" && args !== null ? args : {};
  const dflt = deps.accounts.defaultNumber.phoneNumberId;
  const orDefault = (rows: readonly { phone_number_id: string | null }[]) => [
    ...new Set(rows.map((r) => r.phone_number_id ?? dflt)),
  ];
  if (typeof a.from === "string") {
    const n = deps.accounts.resolve(a.from);
    return n ? [n.phoneNumberId] : [];
  }
  if (MESSAGE_TOOLS.has(tool) && typeof a.message_id === "string") {
    // A message_id Postgres cannot even compare (NUL…) is the tool's to refuse as INVALID_ARGUMENT.
    const m = await findMessage(deps.db, a.message_id.trim()).catch(() => null);
    return m ? orDefault([m]) : [];
  }
  if (tool === "retry_failed_messages" && Array.isArray(a.message_ids)) {
    const ids = a.message_ids.flatMap((id) => (typeof id === "string" && UUID.test(id.trim()) ? [id.trim()] : []));
    if (ids.length === 0) return [];
    return orDefault(await deps.db.selectFrom("messages").select("phone_number_id").where("id", "in", ids).execute());
  }
  const byId = async (table: "campaigns" | "conversations", id: unknown) => {
    if (typeof id !== "string" || !UUID.test(id.trim())) return [];
    return orDefault(await deps.db.selectFrom(table).select("phone_number_id").where("id", "=", id.trim()).execute());
  };
  if (CAMPAIGN_TOOLS.has(tool)) return byId("campaigns", a.campaign_id);
  if (tool === "archive_chat") return byId("conversations", a.conversation_id);
  return [dflt];
}

/** template_name at the top level (send_template, schedule_campaign) or in schedule_message's content. */
function templateOf(args: unknown): string | null {
  if (typeof args !== "object" || args === null) return null;
  const a = args as { template_name?: unknown; content?: { template_name?: unknown } };
  const name = a.template_name ?? (typeof a.content === "object" ? a.content?.template_name : undefined);
  return typeof name === "string" ? name.trim() : null;
}

/** The template's category, preferring the one of `from`'s WABA (templates belong to a WABA; default number's). */
async function categoryOf(deps: ToolDeps, name: string, args: unknown): Promise<string | null> {
  const from = typeof args === "object" && args !== null ? (args as { from?: unknown }).from : undefined;
  const waba = (typeof from === "string" ? deps.accounts.resolve(from) : undefined) ?? deps.accounts.defaultNumber;
  const row = await deps.db
    .selectFrom("templates")
    .select("category")
    .where("name", "=", name)
    .orderBy(sql`waba_id IS NOT DISTINCT FROM ${waba.wabaId}`, "desc")
    .orderBy("updated_at", "desc")
    .limit(1)
    .executeTakeFirst();
  return row?.category ?? null;
}

async function marketingSentToday(deps: ToolDeps): Promise<number> {
  const since = new Date(deps.now());
  since.setUTCHours(0, 0, 0, 0);
  const row = await deps.db
    .selectFrom("audit_logs")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("actor", "=", deps.actor)
    .where("created_at", ">=", since)
    .where("action", "in", SEND_ACTIONS)
    .where(sql<string>`details->>'category'`, "=", "marketing")
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
