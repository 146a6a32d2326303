import type { ConsentState, Customer } from "./types.js";
import type { WindowSource } from "./window.js";

// Compact JSON for the Redis snapshots; dates as epoch ms. "v" must stay the first field (see script.ts).
type ConsentJson = [ConsentState["status"], string | null, number | null];
interface CustomerJson {
  id: string;
  ch: string;
  cid: string;
  ph: string | null;
  bs: string | null;
  dn: string | null;
  mc: ConsentJson;
  uc: ConsentJson;
  tg: readonly string[];
  co: string | null;
  tz: string | null;
  li: number | null;
  lo: number | null;
  ml?: number | null; // absent in snapshots cached before the column existed
  ca: number;
  ua: number;
}

const ms = (d: Date | null): number | null => (d === null ? null : d.getTime());
const date = (n: number | null): Date | null => (n === null ? null : new Date(n));
const consentJson = (c: ConsentState): ConsentJson => [c.status, c.source, ms(c.at)];
const consentOf = ([status, source, at]: ConsentJson): ConsentState => ({ status, source, at: date(at) });

/** A customer snapshot, or a "not a customer" marker (version 0, so any real write replaces it). */
export function encodeCustomer(c: Customer | null, version: number): string {
  if (c === null) return `{"v":${version},"c":null}`;
  const body: CustomerJson = {
    id: c.id,
    ch: c.channel,
    cid: c.customerId,
    ph: c.phone,
    bs: c.bsuid,
    dn: c.displayName,
    mc: consentJson(c.consent.marketing),
    uc: consentJson(c.consent.utility),
    tg: c.tags,
    co: c.country,
    tz: c.timezone,
    li: ms(c.lastInboundAt),
    lo: ms(c.lastOutboundAt),
    ml: ms(c.marketingLimitedUntil),
    ca: c.createdAt.getTime(),
    ua: c.updatedAt.getTime(),
  };
  return JSON.stringify({ v: version, c: body });
}

export function decodeCustomer(text: string): Customer | null {
  const { c } = JSON.parse(text) as { c: CustomerJson | null };
  if (c === null) return null;
  return {
    id: c.id,
    channel: c.ch,
    customerId: c.cid,
    phone: c.ph,
    bsuid: c.bs,
    displayName: c.dn,
    consent: { marketing: consentOf(c.mc), utility: consentOf(c.uc) },
    tags: c.tg,
    country: c.co,
    timezone: c.tz,
    lastInboundAt: date(c.li),
    lastOutboundAt: date(c.lo),
    marketingLimitedUntil: date(c.ml ?? null),
    createdAt: new Date(c.ca),
    updatedAt: new Date(c.ua),
  };
}

export function encodeWindow(w: WindowSource, version: number): string {
  return JSON.stringify({ v: version, w });
}

export function decodeWindow(text: string): WindowSource {
  return (JSON.parse(text) as { w: WindowSource }).w;
}
