import type { Database } from "@wa/db";
import type { Customer, StateSnapshot, StateStore } from "@wa/state";
import type { Kysely } from "kysely";
import { createCatalog } from "./catalog.js";
import { decide, isTemplateSend } from "./decide.js";
import { parseRecipient } from "./recipient.js";
import { capState, marketingCap } from "./rules/frequency-rule.js";
import type { ConsentMode, CustomerFacts, DecideOptions, Decision, DecisionRequest, Facts, MessageCategory } from "./types.js";

export interface ComplianceOptions {
  readonly db: Kysely<Database>;
  readonly state: StateStore;
  readonly consentMode?: ConsentMode; // CONSENT_MODE, default explicit
  readonly defaultCap?: number; // MARKETING_DAILY_CAP, default 2
  readonly defaultTimezone?: string; // DEFAULT_TIMEZONE, default UTC
  readonly now?: () => number;
  readonly cacheTtlMs?: number; // templates and policies in-process, default 15 s
  readonly onDecision?: (decision: Decision, request: DecisionRequest) => void; // e.g. wa_compliance_decisions_total
}

/** check_frequency_cap's answer. */
export interface FrequencyCapReport {
  readonly customer_id: string;
  readonly is_capped: boolean;
  readonly sent_last_24h: number;
  readonly cap: number;
  readonly resets_at?: string;
  readonly reason?: string;
  readonly suggested_action?: string;
}

const CATEGORIES: readonly MessageCategory[] = ["marketing", "utility", "authentication", "service"];

function customerFacts(c: Customer | null): CustomerFacts | null {
  if (!c) return null;
  const fact = (k: "marketing" | "utility") => ({ ...c.consent[k], at: c.consent[k].at?.getTime() ?? null });
  return { consent: { marketing: fact("marketing"), utility: fact("utility") }, tags: c.tags, timezone: c.timezone };
}

function snapshotFacts(snap: StateSnapshot | null): Pick<Facts, "customer" | "window" | "sentAt"> {
  return {
    customer: customerFacts(snap?.customer ?? null),
    window: {
      lastInboundAt: snap?.window.lastInboundAt?.getTime() ?? null,
      expiresAt: snap?.window.expiresAt?.getTime() ?? null,
    },
    sentAt: snap?.slots.map((s) => s.at) ?? [],
  };
}

/** The I/O shell: gathers facts (state snapshot + cached template/policies) and asks `decide`. */
export function createCompliance(opts: ComplianceOptions) {
  const now = opts.now ?? Date.now;
  const catalog = createCatalog(opts.db, opts.cacheTtlMs ?? 15_000);
  const options: DecideOptions = {
    consentMode: opts.consentMode ?? "explicit",
    defaultCap: opts.defaultCap ?? 2,
    defaultTimezone: opts.defaultTimezone ?? "UTC",
  };

  async function snapshot(customerId: string, channel: string): Promise<StateSnapshot | null> {
    const r = parseRecipient(customerId);
    return r.ok ? opts.state.getSnapshot({ customerId: r.id, channel }) : null;
  }

  return {
    /** The compliance answer for one planned message (read-only: reserves nothing). */
    async evaluate(request: DecisionRequest): Promise<Decision> {
      const channel = request.channel ?? "whatsapp";
      const name = request.template_name?.trim();
      const [snap, template, policies] = await Promise.all([
        snapshot(request.customer_id, channel),
        name && isTemplateSend(request) ? catalog.template(name, request.locale ?? "en") : undefined,
        catalog.policies(),
      ]);
      const decision = decide({ now: now(), ...snapshotFacts(snap), template, policies }, request, options);
      opts.onDecision?.(decision, request);
      return decision;
    },

    /** Dry-run decisions for every category from one snapshot (get_customer_context, check_conversation). */
    async eligibility(customerId: string, channel = "whatsapp"): Promise<Record<MessageCategory, Decision>> {
      const [snap, policies] = await Promise.all([snapshot(customerId, channel), catalog.policies()]);
      const facts: Facts = { now: now(), ...snapshotFacts(snap), policies };
      const entries = CATEGORIES.map((c) => [c, decide(facts, { customer_id: customerId, message_type: c, channel }, options)]);
      return Object.fromEntries(entries) as Record<MessageCategory, Decision>;
    },

    /** check_frequency_cap; null when the number is invalid (the tool answers INVALID_PHONE_NUMBER). */
    async frequencyCap(customerId: string, channel = "whatsapp"): Promise<FrequencyCapReport | null> {
      const r = parseRecipient(customerId);
      if (!r.ok) return null;
      const [snap, policies] = await Promise.all([snapshot(r.id, channel), catalog.policies()]);
      const { cap } = marketingCap(policies, channel, options.defaultCap);
      const { count, resetsAt } = capState(snap?.slots.map((s) => s.at) ?? [], now(), cap);
      const base = { customer_id: r.id, sent_last_24h: count, cap };
      if (count < cap) return { ...base, is_capped: false };
      const at = resetsAt === null ? undefined : new Date(resetsAt).toISOString();
      return {
        ...base,
        is_capped: true,
        ...(at ? { resets_at: at } : {}),
        reason: `${count} marketing message(s) in the last 24 hours reached the cap of ${cap}.`,
        suggested_action: at ? `Schedule marketing with schedule_message for ${at} or later.` : "Send no marketing on this channel.",
      };
    },

    /** The marketing cap to pass to reserveFrequencySlot in the enqueue transaction. */
    async capFor(channel = "whatsapp"): Promise<number> {
      return marketingCap(await catalog.policies(), channel, options.defaultCap).cap;
    },

    /** Call after templates change (sync_template_status, template webhooks); both args: one entry. */
    invalidateTemplate: (name?: string, locale?: string): void => catalog.invalidateTemplate(name, locale),
    /** Call after policies change (loadPolicies, an operator edit). */
    invalidatePolicies: (): void => catalog.invalidatePolicies(),
  };
}

export type Compliance = ReturnType<typeof createCompliance>;
