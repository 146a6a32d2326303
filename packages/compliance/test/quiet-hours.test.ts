import { describe, expect, it } from "vitest";
import { quietStatus } from "../src/index.js";

const NIGHT = { denyAfter: 21 * 60, allowAfter: 8 * 60 }; // 21:00 → 08:00, crossing midnight
const LUNCH = { denyAfter: 12 * 60, allowAfter: 13 * 60 + 30 }; // same-day period
const LATE = { denyAfter: 22 * 60, allowAfter: 0 }; // no allow_after: quiet until midnight

const cases: { name: string; zone: string; now: string; q: typeof NIGHT; quiet: boolean; opensAt?: string }[] = [
  { name: "Jakarta noon is outside", zone: "Asia/Jakarta", now: "2025-06-02T05:00:00Z", q: NIGHT, quiet: false },
  {
    name: "Jakarta 21:00 sharp is inside",
    zone: "Asia/Jakarta",
    now: "2025-06-02T14:00:00Z",
    q: NIGHT,
    quiet: true,
    opensAt: "2025-06-03T01:00:00.000Z",
  },
  {
    name: "Jakarta 23:30 opens tomorrow 08:00",
    zone: "Asia/Jakarta",
    now: "2025-06-02T16:30:00Z",
    q: NIGHT,
    quiet: true,
    opensAt: "2025-06-03T01:00:00.000Z",
  },
  {
    name: "Jakarta 02:00 (after midnight) opens today 08:00",
    zone: "Asia/Jakarta",
    now: "2025-06-02T19:00:00Z",
    q: NIGHT,
    quiet: true,
    opensAt: "2025-06-03T01:00:00.000Z",
  },
  {
    name: "Jakarta 07:59 inside, 08:00 outside",
    zone: "Asia/Jakarta",
    now: "2025-06-03T00:59:00Z",
    q: NIGHT,
    quiet: true,
    opensAt: "2025-06-03T01:00:00.000Z",
  },
  { name: "Jakarta 08:00 is outside", zone: "Asia/Jakarta", now: "2025-06-03T01:00:00Z", q: NIGHT, quiet: false },
  {
    name: "same-day period inside",
    zone: "Asia/Jakarta",
    now: "2025-06-02T05:30:00Z",
    q: LUNCH,
    quiet: true,
    opensAt: "2025-06-02T06:30:00.000Z",
  },
  { name: "same-day period after it", zone: "Asia/Jakarta", now: "2025-06-02T07:00:00Z", q: LUNCH, quiet: false },
  // New York spring forward (2025-03-09 02:00 EST → 03:00 EDT): the night is one hour shorter.
  {
    name: "New York night before spring forward",
    zone: "America/New_York",
    now: "2025-03-09T04:00:00Z",
    q: NIGHT,
    quiet: true,
    opensAt: "2025-03-09T12:00:00.000Z",
  },
  // New York fall back (2025-11-02 02:00 EDT → 01:00 EST): the night is one hour longer.
  {
    name: "New York night before fall back",
    zone: "America/New_York",
    now: "2025-11-02T02:00:00Z",
    q: NIGHT,
    quiet: true,
    opensAt: "2025-11-02T13:00:00.000Z",
  },
  {
    name: "New York in the repeated hour",
    zone: "America/New_York",
    now: "2025-11-02T06:30:00Z",
    q: NIGHT,
    quiet: true,
    opensAt: "2025-11-02T13:00:00.000Z",
  },
  // Berlin spring forward (2025-03-30 02:00 CET → 03:00 CEST) and fall back (2025-10-26 03:00 → 02:00).
  {
    name: "Berlin night before spring forward",
    zone: "Europe/Berlin",
    now: "2025-03-29T21:00:00Z",
    q: NIGHT,
    quiet: true,
    opensAt: "2025-03-30T06:00:00.000Z",
  },
  {
    name: "Berlin 21:00 CET is inside",
    zone: "Europe/Berlin",
    now: "2025-03-29T20:00:00Z",
    q: NIGHT,
    quiet: true,
    opensAt: "2025-03-30T06:00:00.000Z",
  },
  { name: "Berlin 20:59 CET is outside", zone: "Europe/Berlin", now: "2025-03-29T19:59:00Z", q: NIGHT, quiet: false },
  {
    name: "Berlin night before fall back",
    zone: "Europe/Berlin",
    now: "2025-10-25T22:00:00Z",
    q: NIGHT,
    quiet: true,
    opensAt: "2025-10-26T07:00:00.000Z",
  },
  {
    name: "Berlin summer 20:30 CEST is outside",
    zone: "Europe/Berlin",
    now: "2025-07-01T18:30:00Z",
    q: NIGHT,
    quiet: false,
  },
  // Sydney (southern hemisphere): DST ends 2025-04-06 03:00 AEDT → 02:00 AEST.
  {
    name: "Sydney night DST ends",
    zone: "Australia/Sydney",
    now: "2025-04-05T11:00:00Z",
    q: NIGHT,
    quiet: true,
    opensAt: "2025-04-05T22:00:00.000Z",
  },
  // Santiago starts DST at midnight: 2025-09-07 00:00 does not exist (→ 01:00 -03).
  {
    name: "Santiago: quiet until a midnight that does not exist",
    zone: "America/Santiago",
    now: "2025-09-07T03:00:00Z",
    q: LATE,
    quiet: true,
    opensAt: "2025-09-07T04:00:00.000Z",
  },
  {
    name: "quiet until midnight, ordinary day",
    zone: "Asia/Jakarta",
    now: "2025-06-02T15:30:00Z",
    q: LATE,
    quiet: true,
    opensAt: "2025-06-02T17:00:00.000Z",
  },
];

describe("quiet hours", () => {
  it.each(cases)("$name", ({ zone, now, q, quiet, opensAt }) => {
    const s = quietStatus(Date.parse(now), zone, q);
    expect(s.quiet).toBe(quiet);
    if (s.quiet) expect(new Date(s.opensAt).toISOString()).toBe(opensAt);
  });
});
