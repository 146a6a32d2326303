import { COMPLIANCE_DEFAULTS } from "@wa/config";
import type { Database } from "@wa/db";
import { resolveCustomerId, type Customer, type StateSnapshot, type StateStore } from "@wa/state";
import type { Kysely } from "kysely";
import { createCatalog } from "./catalog.js";
import { decide, decideOptions, isTemplateSend } from "./decide.js";
import type { Policy } from "./policy-schema.js";
import { parseRecipient } from "./recipient.js";
import { capState, marketingCap } from "./rules/frequency-rule.js";
import type { ConsentMode, CustomerFacts, Decision, DecisionRequest, Facts, MessageCategory } from "./types.js";

export interface ComplianceOptions {
  readonly db: Kysely<Database>;
  readonly state: StateStore;
  readonly consentMode?: ConsentMode; // CONSENT_MODE; defaults: COMPLIANCE_DEFAULTS of @wa/config
  readonly defaultCap?: number; // MARKETING_DAILY_CAP
  readonly defaultTimezone?: string; // DEFAULT_TIMEZONE
  readonly usMarketingPause?: boolean; // META_US_MARKETING_PAUSE
  readonly now?: () => number;
  readonly templateCacheMs?: number; // templates in-process
  readonly templateCheckMs?: number; // how often this process asks whether another one changed templates
  readonly policyCheckMs?: number; // how often this process reads the policies' version (a change is seen within it)
  readonly monotonic?: () => number; // the caches' clock (tests); default performance.now
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
  return {
    consent: { marketing: fact("marketing"), utility: fact("utility") },
    tags: c.tags,
    timezone: c.timezone,
    marketingLimitedUntil: c.marketingLimitedUntil?.getTime() ?? null,
  };
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
  const catalog = createCatalog(opts.db, {
    templateCacheMs: opts.templateCacheMs ?? COMPLIANCE_DEFAULTS.templateCacheMs,
    policyCheckMs: opts.policyCheckMs ?? COMPLIANCE_DEFAULTS.policyCheckMs,
    templateCheckMs: opts.templateCheckMs ?? COMPLIANCE_DEFAULTS.templateCheckMs,
    monotonic: opts.monotonic ?? (() => performance.now()),
  });
  const options = decideOptions(opts);

  /** `phoneNumberId`: the business number whose 24 h window counts (undefined: the state store's default). */
  async function snapshot(customerId: string, channel: string, phoneNumberId?: string): Promise<StateSnapshot | null> {
    const r = parseRecipient(customerId);
    if (!r.ok) return null;
    // A BSUID linked to a phone customer: that customer's facts (rule 1 still judges the id asked about).
    const id = r.kind === "bsuid" ? await resolveCustomerId(opts.db, r.id, channel) : r.id;
    return opts.state.getSnapshot({ customerId: id, channel, ...(phoneNumberId ? { phoneNumberId } : {}) });
  }

  /** The answer from a snapshot already read; reserves nothing. `at`: a later moment with today's facts. */
  async function evaluateWith(request: DecisionRequest, snap: StateSnapshot | null, at?: number): Promise<Decision> {
    const name = request.template_name?.trim();
    const [template, policies] = await Promise.all([
      name && isTemplateSend(request)
        ? catalog.template(name, request.locale ?? "en", request.phone_number_id)
        : undefined,
      catalog.policies(),
    ]);
    const decision = decide({ now: at ?? now(), ...snapshotFacts(snap), template, policies }, request, options);
    if (at === undefined) opts.onDecision?.(decision, request); // a look ahead decides nothing
    return decision;
  }

  return {
    /**
     * The compliance answer for one planned message (read-only: reserves nothing). `at` asks about a later moment
     * with today's facts (schedule_message: quiet hours and the cap at deliver_at); default now.
     */
    async evaluate(request: DecisionRequest, at?: number): Promise<Decision> {
      const snap = await snapshot(request.customer_id, request.channel ?? "whatsapp", request.phone_number_id);
      return evaluateWith(request, snap, at);
    },

    /**
     * The same answer over a state snapshot the caller read: a batch send's bulk read (@wa/state
     * getSnapshots), or a retried message's own snapshot without the slot it already holds.
     */
    evaluateWith,

    /**
     * Dry-run decisions for every category from one snapshot (get_customer_context, check_conversation): consent
     * and caps of the business `channel`, the window with `phoneNumberId` (default: the state store's number).
     */
    async eligibility(
      customerId: string,
      channel = "whatsapp",
      phoneNumberId?: string,
    ): Promise<Record<MessageCategory, Decision>> {
      const [snap, policies] = await Promise.all([snapshot(customerId, channel, phoneNumberId), catalog.policies()]);
      const facts: Facts = { now: now(), ...snapshotFacts(snap), policies };
      const number = phoneNumberId ? { phone_number_id: phoneNumberId } : {};
      const entries = CATEGORIES.map((c) => [
        c,
        decide(facts, { customer_id: customerId, message_type: c, channel, ...number }, options),
      ]);
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
        suggested_action: at
          ? `Schedule marketing with schedule_message for ${at} or later.`
          : "Send no marketing on this channel.",
      };
    },

    /** The enabled policies (cached; require_approval is matched by the send path, not a denial rule). */
    policies: (): readonly Policy[] | Promise<readonly Policy[]> => catalog.policies(),

    /** The marketing cap to pass to reserveFrequencySlot in the enqueue transaction. */
    async capFor(channel = "whatsapp"): Promise<number> {
      return marketingCap(await catalog.policies(), channel, options.defaultCap).cap;
    },

    /** Call after templates change (sync_template_status, template webhooks): drops every cached template. */
    invalidateTemplate: (): void => catalog.invalidateTemplate(),
    /** This process changed policies (loadPolicies): reload now. Other processes see it within `policyCheckMs`. */
    invalidatePolicies: (): void => catalog.invalidatePolicies(),
  };
}

export type Compliance = ReturnType<typeof createCompliance>;
