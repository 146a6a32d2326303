import { addDays, instantOf, localTime } from "./zoned-time.js";

export interface QuietHours {
  readonly denyAfter: number; // minutes after local midnight
  readonly allowAfter: number; // minutes after local midnight; 0: quiet until midnight
}

export type QuietStatus =
  | { readonly quiet: false; readonly localMinutes: number }
  | { readonly quiet: true; readonly localMinutes: number; readonly opensAt: number };

/** Whether `now` falls in the quiet period (which may cross midnight) and, if so, when it ends. */
export function quietStatus(now: number, zone: string, q: QuietHours): QuietStatus {
  const local = localTime(now, zone);
  const m = local.minutes;
  const quiet =
    q.denyAfter < q.allowAfter ? m >= q.denyAfter && m < q.allowAfter : m >= q.denyAfter || m < q.allowAfter;
  if (!quiet) return { quiet: false, localMinutes: m };
  // Before allow_after today, or (after deny_after, crossing midnight) allow_after tomorrow.
  const date = m < q.allowAfter ? addDays(local, 0) : addDays(local, 1);
  let opensAt = instantOf(date.year, date.month, date.day, q.allowAfter, zone);
  if (opensAt <= now) {
    const next = addDays({ ...date, minutes: 0 }, 1);
    opensAt = instantOf(next.year, next.month, next.day, q.allowAfter, zone);
  }
  return { quiet: true, localMinutes: m, opensAt };
}
