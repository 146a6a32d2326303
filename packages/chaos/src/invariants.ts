import type { Db } from "@wa/db";
import type { Stack } from "./stack.js";

// Meta-confirmed progress only: before `sent` a row may legitimately go sending → retrying/queued.
const CONFIRMED: Record<string, number> = { sent: 1, delivered: 2, read: 3, played: 4 };
const SETTLED = new Set(["sent", "delivered", "read", "played", "failed", "cancelled"]);

export interface Report {
  readonly messages: number;
  readonly by_status: Record<string, number>;
  readonly lost: string[]; // accepted but not settled (or gone)
  readonly sent_twice: Array<{ id: string; accepted_calls: number }>;
  /** Settled as sent or beyond, yet mock-meta accepted no call carrying its id: the duplicate check would be blind. */
  readonly sent_unseen: string[];
  readonly moved_backwards: string[];
  readonly failed_without_explanation: string[];
  readonly secret_lines: string[];
  readonly crashed_apps: string[];
}

/** Samples the tracked rows' statuses while a scenario runs; any confirmed status going down is recorded. */
export function watchStatuses(db: Db, ids: () => readonly string[], everyMs = 150): { stop(): Promise<string[]> } {
  const best = new Map<string, number>();
  const backwards = new Set<string>();
  const state = { running: true };
  const loop = (async () => {
    while (state.running) {
      const list = ids();
      if (list.length) {
        const rows = await db
          .selectFrom("messages")
          .select(["id", "status"])
          .where("id", "in", list)
          .execute()
          .catch(() => []);
        for (const r of rows) {
          const rank = CONFIRMED[r.status];
          if (rank === undefined) {
            if (r.status !== "failed" && (best.get(r.id) ?? 0) > 0) backwards.add(r.id);
            continue;
          }
          if (rank < (best.get(r.id) ?? 0)) backwards.add(r.id);
          best.set(r.id, Math.max(rank, best.get(r.id) ?? 0));
        }
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      state.running = false;
      await loop;
      return [...backwards];
    },
  };
}

/** Waits until every id is settled and, when `status` is given, has reached it (webhooks applied). */
export async function waitSettled(db: Db, ids: readonly string[], timeoutMs: number, status?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const rows = await db
      .selectFrom("messages")
      .select(["status"])
      .where("id", "in", ids)
      .execute()
      .catch(() => null);
    if (
      rows &&
      rows.length === ids.length &&
      rows.every((r) => (status ? r.status === status || r.status === "failed" : SETTLED.has(r.status)))
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Call {
  biz_opaque_callback_data?: string | null;
  http_status: number;
}

/** The invariants of the chaos suite: nothing lost, nothing sent twice, no status backwards, no secret logged. */
export async function checkInvariants(stack: Stack, ids: readonly string[], backwards: string[]): Promise<Report> {
  const rows = await stack.db
    .selectFrom("messages")
    .select(["id", "status", "error_code", "error_explanation", "status_reason"])
    .where("id", "in", ids)
    .execute();
  const { calls } = await stack.mock<{ calls: Call[] }>("/_mock/calls?limit=200000");
  const accepted = new Map<string, number>();
  for (const c of calls) {
    if (c.http_status === 200 && c.biz_opaque_callback_data) {
      accepted.set(c.biz_opaque_callback_data, (accepted.get(c.biz_opaque_callback_data) ?? 0) + 1);
    }
  }
  const found = new Map(rows.map((r) => [r.id, r]));
  const by_status: Record<string, number> = {};
  for (const r of rows) by_status[r.status] = (by_status[r.status] ?? 0) + 1;
  return {
    messages: ids.length,
    by_status,
    lost: ids.filter((id) => !SETTLED.has(found.get(id)?.status ?? "missing")),
    sent_twice: ids.flatMap((id) =>
      (accepted.get(id) ?? 0) > 1 ? [{ id, accepted_calls: accepted.get(id) ?? 0 }] : [],
    ),
    sent_unseen: rows.filter((r) => CONFIRMED[r.status] !== undefined && !accepted.has(r.id)).map((r) => r.id),
    moved_backwards: backwards,
    // A failure names Meta's code, or (no code: e.g. SEND_UNCONFIRMED, a call that may have reached Meta) our reason code.
    failed_without_explanation: rows
      .filter((r) => r.status === "failed" && ((!r.error_code && !r.status_reason) || !r.error_explanation))
      .map((r) => r.id),
    secret_lines: stack.lines.filter((line) => stack.secrets.some((s) => line.includes(s))),
    crashed_apps: stack.crashed(),
  };
}

const ok = (n: number): string => (n === 0 ? "ok" : `VIOLATED (${n})`);

/** One line per invariant, printed by every scenario. */
export function printReport(scenario: string, report: Report, stackLines: readonly string[] = []): void {
  process.stdout.write(
    [
      `chaos: ${scenario}`,
      `  messages ${report.messages} ${JSON.stringify(report.by_status)}`,
      `  no message lost ............ ${ok(report.lost.length)}`,
      `  none sent twice ............ ${ok(report.sent_twice.length + report.sent_unseen.length)}`,
      `  no status moved backwards .. ${ok(report.moved_backwards.length)}`,
      `  failures explained ......... ${ok(report.failed_without_explanation.length)}`,
      `  no secret in any log line .. ${ok(report.secret_lines.length)}`,
      `  no app crashed ............. ${ok(report.crashed_apps.length)}`,
      "",
    ].join("\n"),
  );
  const broken = Object.values(violations(report)).some((v) => v.length > 0);
  if (broken) process.stdout.write(`  app errors (last 30):\n${errorLines(stackLines).slice(-30).join("\n")}\n`);
}

/** Lines an app logged at error/fatal level, or printed without JSON (a crash). */
function errorLines(lines: readonly string[]): string[] {
  return lines.filter((l) => /"level":(50|60)/.test(l) || !l.includes('"level"'));
}

/** Accepts `n` utility template sends to distinct customers through the one send path; returns their ids. */
export async function enqueueMany(stack: Stack, n: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  const base = 447_700_000_000 + Math.floor(Math.random() * 90_000) * 1000;
  for (let i = 0; i < n; i += 1) {
    const r = await stack.messaging.enqueueOutbound(
      {
        to: `+${base + i * 7 + 11}`,
        content: { type: "template", template_name: "order_update", variables: ["Ana", `${tag}-${i}`] },
        idempotency_key: `chaos:${tag}:${i}`,
      },
      { actor: "system", tool: "chaos" },
    );
    if (!r.ok) throw new Error(`enqueue refused: ${r.reason_code} ${r.human_explanation}`);
    ids.push(r.message_id);
  }
  return ids;
}

/** Resolves when at least `n` of `ids` have been accepted by Meta (sent or beyond). */
export async function waitSent(db: Db, ids: readonly string[], n: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await db
      .selectFrom("messages")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("id", "in", ids)
      .where("wamid", "is not", null)
      .executeTakeFirst();
    if (Number(r?.n ?? 0) >= n) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`fewer than ${n} messages sent after ${timeoutMs} ms`);
}

/** Every invariant as one comparable value, so a failing scenario shows exactly which ones broke. */
export function violations(report: Report): Record<string, unknown[]> {
  return {
    lost: report.lost,
    sent_twice: report.sent_twice,
    sent_unseen: report.sent_unseen,
    moved_backwards: report.moved_backwards,
    failed_without_explanation: report.failed_without_explanation,
    secret_lines: report.secret_lines,
    crashed_apps: report.crashed_apps,
  };
}

export const NO_VIOLATIONS = {
  lost: [],
  sent_twice: [],
  sent_unseen: [],
  moved_backwards: [],
  failed_without_explanation: [],
  secret_lines: [],
  crashed_apps: [],
};
