import { DAY_MS } from "@wa/config";

// Wall-clock arithmetic in IANA zones with Intl only (no tz library): DST gaps and folds included.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, f);
  }
  return f;
}

export function isTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

export interface LocalTime {
  readonly year: number;
  readonly month: number; // 1–12
  readonly day: number;
  readonly minutes: number; // minutes since local midnight
}

function fields(instant: number, zone: string): LocalTime & { wallMs: number } {
  const p: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(instant))
    if (part.type !== "literal") p[part.type] = Number(part.value);
  const [year, month, day, hour, minute, second] = [p.year!, p.month!, p.day!, p.hour!, p.minute!, p.second!];
  return {
    year,
    month,
    day,
    minutes: hour * 60 + minute,
    wallMs: Date.UTC(year, month - 1, day, hour, minute, second),
  };
}

export function localTime(instant: number, zone: string): LocalTime {
  const { year, month, day, minutes } = fields(instant, zone);
  return { year, month, day, minutes };
}

/** UTC offset (ms) of the zone at an instant. */
function offsetAt(instant: number, zone: string): number {
  return fields(instant, zone).wallMs - (instant - (((instant % 1000) + 1000) % 1000));
}

/**
 * The instant a local wall time occurs. In a fold (clocks back) the first occurrence; in a gap
 * (clocks forward) the first instant after it, e.g. 00:00 on a day that starts at 01:00.
 */
export function instantOf(year: number, month: number, day: number, minutes: number, zone: string): number {
  const wall = Date.UTC(year, month - 1, day, Math.floor(minutes / 60), minutes % 60);
  const candidates = [
    ...new Set([offsetAt(wall - DAY_MS, zone), offsetAt(wall + DAY_MS, zone), offsetAt(wall, zone)]),
  ].map((off) => wall - off);
  const valid = candidates.filter((t) => t + offsetAt(t, zone) === wall);
  return valid.length ? Math.min(...valid) : Math.max(...candidates);
}

/** The local calendar date `days` after the given one. */
export function addDays(t: LocalTime, days: number): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(t.year, t.month - 1, t.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

export function parseHhmm(text: string): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}
