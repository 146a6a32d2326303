// Postgres faults that say nothing about the statement: the server, the network or the pool is the problem,
// and the same statement will work once it is back. Everything else (bad data, a constraint, a bug) is not.
const NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
// SQLSTATE classes 08 (connection), 53 (insufficient resources), 57P (operator intervention: shutdown, restart),
// 58 (system error), plus the per-statement conflicts a retry resolves (serialization, deadlock, lock timeout,
// statement timeout or cancel).
const TRANSIENT_STATES: ReadonlySet<string> = new Set(["40001", "40P01", "55P03", "57014"]);
const DRIVER_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error",
  "Client was closed and is not queryable",
  "Cannot use a pool after calling end",
  "Connection ended unexpectedly",
];

/**
 * True when `err` means "Postgres could not be reached or could not run this right now", so the same work must
 * be retried later (never parked or refused as bad input). Looks through `cause` chains.
 */
export function isDbUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = typeof (e as { code?: unknown }).code === "string" ? (e as { code: string }).code : "";
    if (NETWORK_CODES.has(code) || TRANSIENT_STATES.has(code)) return true;
    if (/^(08|53|57P|58)/.test(code) && code.length === 5) return true;
    const message = e instanceof Error ? e.message : "";
    if (DRIVER_MESSAGES.some((m) => message.includes(m))) return true;
    if (e instanceof AggregateError && e.errors.some((x) => isDbUnavailable(x))) return true;
  }
  return false;
}
