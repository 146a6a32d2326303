/** One Graph call as seen by the mock; snake_case because GET /_mock/calls returns it as is. */
export interface CallRecord {
  readonly seq: number;
  readonly time: number; // ms since epoch
  readonly method: string;
  readonly path: string;
  readonly phone_number_id: string | null;
  readonly to: string | null; // digits-only recipient (or BSUID)
  readonly type: string | null;
  readonly template_name: string | null;
  readonly template_language: string | null;
  readonly biz_opaque_callback_data: string | null;
  readonly http_status: number;
  readonly code: number | null; // Graph error code, null when accepted
  readonly wamid: string | null;
  readonly body: unknown; // the request body (JSON) of the last BODIES_KEPT calls, else null; listed with include_body
}

export type NewCall = Omit<CallRecord, "seq">;

/** Exact per-number totals (the ring forgets old calls; a bench spreading load over numbers counts with these). */
interface PhoneCounts {
  calls: number;
  accepted: number;
  rejected: number;
  by_code: Record<string, number>;
}

interface CallFilter {
  to?: string;
  phoneNumberId?: string;
  since?: number; // seq
}

export interface CallLog {
  record(call: NewCall): void;
  query(filter: CallFilter, limit: number): { calls: CallRecord[]; total: number; accepted: number };
  /** `accepted`: messages that got a wamid; `by_code`: Graph errors answered, by code; the same per number. */
  stats(): {
    calls: number;
    accepted: number;
    rejected: number;
    by_code: Record<string, number>;
    by_phone_number_id: Record<string, PhoneCounts>;
  };
  clear(): void;
}

// Bodies are what tests assert; a bench's 200k calls must not hold 200k parsed payloads in memory.
const BODIES_KEPT = 10_000;

/** Bounded ring (oldest dropped past `capacity`); counters are never dropped, so totals stay exact. */
export function createCallLog(capacity: number): CallLog {
  let ring: CallRecord[] = [];
  let head = 0;
  let seq = 0;
  let accepted = 0;
  let rejected = 0;
  let byCode = new Map<number, number>();
  let byPhone = new Map<string, PhoneCounts>();
  const countPhone = (call: NewCall): void => {
    if (call.phone_number_id === null) return;
    let p = byPhone.get(call.phone_number_id);
    if (p === undefined) {
      p = { calls: 0, accepted: 0, rejected: 0, by_code: {} };
      byPhone.set(call.phone_number_id, p);
    }
    p.calls += 1;
    if (call.wamid !== null) p.accepted += 1;
    if (call.code !== null) {
      p.rejected += 1;
      p.by_code[String(call.code)] = (p.by_code[String(call.code)] ?? 0) + 1;
    }
  };
  let withBody: { body: unknown }[] = [];
  return {
    record(call) {
      seq += 1;
      const rec: CallRecord = { seq, ...call };
      if (call.body !== null) {
        withBody.push(rec as { body: unknown });
        if (withBody.length > BODIES_KEPT * 2) {
          for (const old of withBody.slice(0, withBody.length - BODIES_KEPT)) old.body = null;
          withBody = withBody.slice(-BODIES_KEPT);
        }
      }
      if (ring.length < capacity) ring.push(rec);
      else {
        ring[head] = rec;
        head = (head + 1) % capacity;
      }
      if (call.wamid !== null) accepted += 1;
      if (call.code !== null) {
        rejected += 1;
        byCode.set(call.code, (byCode.get(call.code) ?? 0) + 1);
      }
      countPhone(call);
    },
    query(filter, limit) {
      const ordered = head === 0 ? ring : [...ring.slice(head), ...ring.slice(0, head)];
      const matching = ordered.filter(
        (c) =>
          (filter.to === undefined || c.to === filter.to) &&
          (filter.phoneNumberId === undefined || c.phone_number_id === filter.phoneNumberId) &&
          (filter.since === undefined || c.seq > filter.since),
      );
      const ok = matching.reduce((n, c) => (c.wamid !== null ? n + 1 : n), 0);
      return { calls: matching.slice(-limit), total: matching.length, accepted: ok };
    },
    stats() {
      const by: Record<string, number> = {};
      for (const [code, n] of byCode) by[String(code)] = n;
      const perPhone: Record<string, PhoneCounts> = {};
      for (const [id, p] of byPhone) perPhone[id] = { ...p, by_code: { ...p.by_code } };
      return { calls: seq, accepted, rejected, by_code: by, by_phone_number_id: perPhone };
    },
    clear() {
      ring = [];
      withBody = [];
      head = 0;
      seq = 0;
      accepted = 0;
      rejected = 0;
      byCode = new Map();
      byPhone = new Map();
    },
  };
}
