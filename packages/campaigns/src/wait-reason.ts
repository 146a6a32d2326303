/** status_reason of a running campaign whose fan-out waits for the messaging-limit window. */
export const WAITING_PREFIX = "waiting_messaging_limit";

export function waitingReason(tier: string, resumesAt: number | null): string {
  return `${WAITING_PREFIX} ${tier} until ${resumesAt === null ? "unknown" : new Date(resumesAt).toISOString()}`;
}

export function parseWaitingReason(reason: string | null): { tier: string; resumesAt: number | null } | null {
  if (!reason?.startsWith(WAITING_PREFIX)) return null;
  const m = /^waiting_messaging_limit (\S+) until (\S+)$/.exec(reason);
  if (!m?.[1] || !m[2]) return null;
  const t = Date.parse(m[2]);
  return { tier: m[1], resumesAt: Number.isFinite(t) ? t : null };
}
