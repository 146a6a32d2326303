import { MAX_SCHEDULE_DAYS } from "@wa/config";
import { publishOutbound } from "@wa/bus";
import {
  parseRecipient,
  RULE_NAMES,
  type Check,
  type DenialCode,
  type Denied,
  type MessageCategory,
} from "@wa/compliance";
import { writeAudit } from "@wa/db";
import type { MirroredSlot } from "@wa/state";
import { resolveJs } from "./js-source.js";
import { type Refusal, refuse } from "@wa/contract";
import { fromDecision } from "./refusal.js";
import { decisionRequest, draftOf, quietHold, type Item } from "./draft.js";
import { checkRequest, kindOf, requestHash, type CheckedRequest } from "./request.js";
import { askApproval, replayPending } from "./approvals/ask.js";
import type { PendingApproval } from "./approvals/gate.js";
import { bulkSnapshots, cachedSnapshots, customersOf, type Snapshots } from "./snapshots.js";
import type {
  Accepted,
  BatchOptions,
  BatchResult,
  EnqueueOptions,
  EnqueueResult,
  MessagingOptions,
  OutboundRequest,
  OutboundResult,
} from "./types.js";
import { writeByBusiness, type Draft, type Written } from "./write.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// schedule_message: "consent checked now; everything checked again at dispatch". The window, the cap,
// quiet hours and template approval may all change by deliver_at, so only these deny at scheduling.
const SCHEDULE_TIME_DENIALS: ReadonlySet<DenialCode> = new Set([
  "INVALID_ARGUMENT",
  "INVALID_PHONE_NUMBER",
  "USER_OPTED_OUT",
  "NO_OPT_IN",
  "TEMPLATE_NOT_FOUND",
  "TEMPLATE_VARIABLES_MISMATCH",
]);
// Meta stopped these for low quality: queueing more sends of them (even for later) is refused, not deferred.
const STOPPED_BY_META = new Set(["PAUSED", "DISABLED"]);
const deniedAtScheduling = (d: Denied): boolean =>
  SCHEDULE_TIME_DENIALS.has(d.reason_code) ||
  (d.reason_code === "TEMPLATE_NOT_APPROVED" && STOPPED_BY_META.has(d.template_status ?? ""));

/**
 * The one send path (spec architecture.md): argument checks → number → idempotency replay → compliance
 * (@wa/compliance, every rule) → the rows (write.ts: customer locks, exact slots, rows, audit) → slot mirror
 * and publish. `enqueueOutbound` is a batch of one; `enqueueBatch` sends many (campaign pages) with the same
 * steps, reading the decision's facts in bulk and writing all rows in one statement or transaction.
 */
export function createEnqueue(o: MessagingOptions) {
  const now = o.now ?? Date.now;
  const maxDays = o.maxScheduleDays ?? MAX_SCHEDULE_DAYS;
  const publishTimeoutMs = o.publishTimeoutMs ?? 1000;

  /** Publishes `{message_id}`; false when NATS is down or absent (the reconciler republishes queued rows). */
  async function publish(messageId: string): Promise<boolean> {
    const js = resolveJs(o.js);
    if (!js) return false;
    try {
      await publishOutbound(js, o.names, { message_id: messageId }, { timeoutMs: publishTimeoutMs });
      return true;
    } catch (err) {
      o.log.warn({ err, message_id: messageId }, "outbound publish failed; row stays queued for the reconciler");
      return false;
    }
  }

  /** Earlier messages with these items' keys: the same request is answered with its message, another one refused. */
  async function replay(items: readonly Item[]): Promise<Map<Item, EnqueueResult>> {
    const keyed = items.filter((i) => i.checked.idempotencyKey !== null);
    const out = new Map<Item, EnqueueResult>();
    if (keyed.length === 0) return out;
    const rows = await o.db
      .selectFrom("messages")
      .select(["id", "status", "request_hash", "category", "customer_id", "deliver_at", "idempotency_key"])
      .where("idempotency_key", "in", [...new Set(keyed.map((i) => i.checked.idempotencyKey!))])
      .execute();
    const byKey = new Map(rows.map((r) => [r.idempotency_key, r]));
    for (const i of keyed) {
      const prior = byKey.get(i.checked.idempotencyKey);
      if (!prior) continue;
      // Rows written before request_hash existed (older campaign pages) carry none: their key alone identifies them.
      if (prior.request_hash !== null && prior.request_hash !== i.hash) {
        out.set(
          i,
          refuse(
            "DUPLICATE_REQUEST",
            `idempotency_key "${i.checked.idempotencyKey}" was already used for a different message (${prior.id}).`,
            "Use a new idempotency_key for a different message, or resend exactly the same content to get the first message back.",
          ),
        );
      } else {
        out.set(
          i,
          accepted(
            prior.id,
            prior.status,
            prior.category ?? "service",
            prior.customer_id || i.customerId,
            prior.deliver_at,
            true,
            false,
          ),
        );
      }
    }
    return out;
  }

  async function replyTarget(r: CheckedRequest): Promise<string | null | Refusal> {
    const id = r.content.type === "text" ? r.content.reply_to_message_id : undefined;
    if (!id) return null;
    if (!UUID.test(id)) return id; // already a wamid
    const row = await o.db.selectFrom("messages").select("wamid").where("id", "=", id).executeTakeFirst();
    if (!row?.wamid)
      return refuse(
        "NOT_FOUND",
        `Message ${id} is unknown or has no WhatsApp id yet, so it cannot be quoted.`,
        "Reply without reply_to_message_id, or pass the wamid.",
      );
    return row.wamid;
  }

  /**
   * A refused agent send's decision with every check, as a `message.refused` entry on the customer (the
   * console's timeline). Best effort: the refusal is the answer even when the entry cannot be written.
   */
  async function recordRefusal(
    i: Item,
    opts: EnqueueOptions,
    reasonCode: string,
    checks: readonly Check[],
  ): Promise<void> {
    const c = i.checked.content;
    const details = {
      reason_code: reasonCode,
      checks,
      message_type: i.checked.messageType,
      kind: kindOf(c),
      ...(c.type === "template" ? { template_name: c.template_name.trim() } : {}),
      ...(opts.tool ? { tool: opts.tool } : {}),
    };
    await writeAudit(o.db, {
      actor: opts.actor,
      action: "message.refused",
      subjectType: "customer",
      subjectId: i.customerId,
      details,
    }).catch((err: unknown) => o.log.warn({ err, reason_code: reasonCode }, "refusal not recorded in the audit log"));
  }

  /**
   * `checks`: keep each decision with its checks in the audit log (agent sends; a campaign's skips are counted
   * per campaign instead): an accepted send's in its message.queued/scheduled entry, a refusal as message.refused.
   */
  async function run(
    reqs: readonly OutboundRequest[],
    opts: BatchOptions,
    snapshots: Snapshots,
    checks = false,
    gated = false,
  ): Promise<{ results: OutboundResult[]; halted: Refusal | null }> {
    const t = now();
    const results: (OutboundResult | undefined)[] = reqs.map(() => undefined);
    const parsed = new Map<number, { checked: CheckedRequest; recipient: string }>();
    reqs.forEach((req, n) => {
      const checked = checkRequest(req, t, maxDays);
      if ("ok" in checked) return void (results[n] = checked);
      const rcp = parseRecipient(req.to);
      if (!rcp.ok)
        return void (results[n] = refuse(
          "INVALID_PHONE_NUMBER",
          rcp.explanation,
          "Pass the number with its country code, e.g. +62 811 998 877.",
        ));
      parsed.set(n, { checked, recipient: rcp.id });
    });
    // One customer whether addressed by phone or BSUID: window, consent, cap and rows key on the one holding both.
    const customerOf = await customersOf(
      o.db,
      [...parsed.values()].map((p) => ({ channel: p.checked.channel, recipient: p.recipient })),
    );
    const items = new Map<number, Item>();
    for (const [n, { checked, recipient }] of parsed) {
      const customerId = customerOf(checked.channel, recipient);
      items.set(n, { req: reqs[n]!, checked, recipient, customerId, hash: requestHash(recipient, checked) });
    }
    const replayed = await replay([...items.values()]);
    if (gated && o.approvals) await replayPending(o.db, items.values(), replayed, opts.actor);
    for (const [n, i] of items) {
      const r = replayed.get(i);
      if (r) {
        results[n] = r;
        items.delete(n);
      }
    }
    const snapOf = await snapshots([...items.values()]);
    const drafts = new Map<number, Draft>();
    let halted: Refusal | null = null;
    let end = reqs.length;
    for (let n = 0; n < reqs.length; n++) {
      const i = items.get(n);
      const refused = i ? await decideOne(i, opts, snapOf, drafts, n, checks, gated) : results[n];
      if (refused && !refused.ok && opts.haltOn?.includes(refused.reason_code)) {
        halted = refused;
        end = n;
        break;
      }
      if (i && refused) results[n] = refused;
    }
    const list = [...drafts.entries()];
    // Numbers of several businesses in one batch: each business's rows are written (and capped) on their own.
    const written = await writeByBusiness(
      o.db,
      list.map(([, d]) => d),
      (ch) => o.compliance.capFor(ch),
      t,
    );
    await Promise.all(written.newCustomers.map((key) => o.state.invalidate(key).catch(() => {})));
    // The page's slots go to the Redis mirror in one round trip, while its messages are published.
    const slots: MirroredSlot[] = list.flatMap(([, d], k) => {
      const w = written.written[k]!;
      return w.kind === "row" && w.slot?.ok
        ? [{ key: { customerId: d.customerId, channel: d.channel }, reservation: w.slot, messageId: w.row.id }]
        : [];
    });
    const [answers] = await Promise.all([
      Promise.all(
        list.map(async ([n, d], k) => [n, await answer(items.get(n)!, d, written.written[k]!, opts)] as const),
      ),
      o.state.mirrorReservations(slots).catch(() => {}),
    ]);
    for (const [n, r] of answers) results[n] = r;
    return { results: results.slice(0, end).map((r) => r!), halted };
  }

  /** Compliance for one item: a refusal, or a draft added to `drafts` (undefined). */
  async function decideOne(
    i: Item,
    opts: BatchOptions,
    snapOf: Awaited<ReturnType<Snapshots>>,
    drafts: Map<number, Draft>,
    n: number,
    keepChecks: boolean,
    gated: boolean,
  ): Promise<Refusal | PendingApproval | undefined> {
    const reply = await replyTarget(i.checked);
    if (reply !== null && typeof reply !== "string") return reply;
    const request = decisionRequest(i);
    const decision = snapOf
      ? await o.compliance.evaluateWith(request, snapOf(i))
      : await o.compliance.evaluate(request);
    const scheduled = i.checked.deliverAt !== null;
    const hold = decision.allowed || scheduled ? null : quietHold(decision, opts);
    if (!decision.allowed && !hold && (!scheduled || deniedAtScheduling(decision))) {
      const refusal = fromDecision(decision, opts.windowClosedCode);
      if (keepChecks) await recordRefusal(i, opts, refusal.reason_code, decision.checks);
      return refusal;
    }
    const c = i.checked.content;
    const category = decision.category ?? (c.type === "template" ? "marketing" : "service");
    // Only an agent's send asks the gate; an approved re-run, campaign pages and the scheduler do not.
    if (gated && o.approvals) {
      const pending = await askApproval(o.approvals, o.state, i, category, opts, decision.checks);
      if (pending) return pending;
    }
    drafts.set(
      n,
      draftOf(i, category, reply, hold, opts, keepChecks ? decision.checks : null, decision.template_parts),
    );
    return undefined;
  }

  async function answer(i: Item, d: Draft, w: Written, opts: EnqueueOptions): Promise<EnqueueResult> {
    if (w.kind === "conflict") {
      const prior = (await replay([i])).get(i);
      if (prior) return prior;
      throw new Error("idempotency conflict without a row"); // the winner rolled back: caller may retry
    }
    if (w.kind === "capped") {
      const at = new Date(w.slot.resetsAt).toISOString();
      const checks = d.audit.details.checks as readonly Check[] | undefined;
      // The decision's cap check passed; the reservation (the exact count, under the customer lock) did not.
      if (checks) {
        const detail = `${w.slot.count} of ${w.slot.cap} marketing messages in the last 24 hours; resets at ${at}`;
        await recordRefusal(
          i,
          opts,
          "FREQUENCY_CAP_EXCEEDED",
          checks.map((k) => (k.rule === RULE_NAMES.frequencyCap ? { ...k, passed: false, detail } : k)),
        );
      }
      return refuse(
        "FREQUENCY_CAP_EXCEEDED",
        `${w.slot.count} marketing message(s) to this customer in the last 24 hours reached the cap of ${w.slot.cap}.`,
        `Schedule it with schedule_message for ${at} or later.`,
        { resets_at: at },
      );
    }
    const published = w.row.status === "queued" ? await publish(w.row.id) : false;
    return accepted(w.row.id, w.row.status, d.category, d.customerId, d.deliverAt, false, published);
  }

  const cached = cachedSnapshots(o.state);
  const bulk = bulkSnapshots(o.state);

  return {
    async enqueueOutbound(req: OutboundRequest, opts: EnqueueOptions): Promise<EnqueueResult> {
      const r = await run([req], opts, cached, true);
      return r.results[0] as EnqueueResult; // ungated: queued or refused
    },
    async requestOutbound(req: OutboundRequest, opts: EnqueueOptions): Promise<OutboundResult> {
      const r = await run([req], opts, cached, true, true);
      return r.results[0]!;
    },
    /**
     * Many sends through the same steps; results in request order. With `haltOn`, the first request refused
     * with one of those codes stops the batch: nothing from it on is written, and `results` ends before it.
     */
    async enqueueBatch(reqs: readonly OutboundRequest[], opts: BatchOptions): Promise<BatchResult> {
      // Batches never ask the gate (keepChecks is false), so every result is queued or refused.
      return (await run(reqs, opts, bulk)) as BatchResult;
    },
  };
}

function accepted(
  id: string,
  status: Accepted["status"],
  category: MessageCategory,
  customerId: string,
  deliverAt: Date | null,
  duplicate: boolean,
  published: boolean,
): Accepted {
  return {
    ok: true,
    message_id: id,
    status,
    category,
    customer_id: customerId,
    ...(deliverAt ? { deliver_at: deliverAt.toISOString() } : {}),
    duplicate,
    published,
  };
}
