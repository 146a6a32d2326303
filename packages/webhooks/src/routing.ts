import type { Accounts, NumberAccount } from "@wa/accounts";
import type { Executor } from "@wa/db";
import type { UnknownEvent, WebhookEvent } from "@wa/meta";
import { sql } from "kysely";

/** Where an event applies: the business's channel (customers, consent) and, for number-level events, the number. */
export interface Route {
  readonly channel: string;
  /** Null without accounts (a test's database: windows carry no number) and for WABA-level events. */
  readonly number: NumberAccount | null;
  /** The business of the number or WABA; null without accounts. */
  readonly businessId: string | null;
}

/** Why an event is not ours to apply: dead-lettered as `<code>: <detail>`, never applied to another business. */
type RouteRefusal = "UNKNOWN_PHONE_NUMBER" | "UNKNOWN_WABA" | "NUMBER_NOT_IN_WABA";

export type Routed = { ok: true; route: Route } | { ok: false; code: RouteRefusal; detail: string };

const UNROUTED: Routed = { ok: true, route: { channel: "whatsapp", number: null, businessId: null } };
const digitsOf = (s: string | null): string | null => (s ? s.replace(/\D/g, "") || null : null);

const refuse = (code: RouteRefusal, detail: string): Routed => ({ ok: false, code, detail });
const toNumber = (n: NumberAccount): Routed => ({
  ok: true,
  route: { channel: n.channel, number: n, businessId: n.businessId },
});

/** A number by metadata.phone_number_id, which must belong to the WABA the entry names (entry.id). */
function byNumber(accounts: Accounts, ev: WebhookEvent): Routed {
  if (ev.phoneNumberId === null) return refuse("UNKNOWN_PHONE_NUMBER", "the event names no metadata.phone_number_id");
  const n = accounts.byPhoneNumberId(ev.phoneNumberId);
  if (!n) return refuse("UNKNOWN_PHONE_NUMBER", `phone_number_id ${ev.phoneNumberId} is not in the accounts`);
  if (n.wabaId !== ev.wabaId)
    return refuse(
      "NUMBER_NOT_IN_WABA",
      `phone_number_id ${ev.phoneNumberId} belongs to WABA ${n.wabaId}, not ${ev.wabaId}`,
    );
  return toNumber(n);
}

/** A WABA-level event (entry.id): its business's channel, no number. */
function byWaba(accounts: Accounts, ev: WebhookEvent): Routed {
  const numbers = accounts.numbersOfWaba(ev.wabaId);
  const first = numbers[0];
  if (!first) return refuse("UNKNOWN_WABA", `WABA ${ev.wabaId || "(none)"} is not in the accounts`);
  return { ok: true, route: { channel: first.channel, number: null, businessId: first.businessId } };
}

/**
 * phone_number_quality_update names its number by display_phone_number only: looked up among the WABA's numbers
 * (accounts.yaml's display, else the phone_numbers row, which the scheduler's sync may have filled).
 */
async function byDisplay(db: Executor, accounts: Accounts, ev: WebhookEvent): Promise<Routed> {
  const waba = byWaba(accounts, ev);
  if (!waba.ok) return waba;
  if (ev.phoneNumberId !== null) return byNumber(accounts, ev);
  const display = digitsOf(ev.displayPhoneNumber);
  if (display === null) return refuse("UNKNOWN_PHONE_NUMBER", "the event names no display_phone_number");
  const numbers = accounts.numbersOfWaba(ev.wabaId);
  const listed = numbers.find((n) => digitsOf(n.displayPhoneNumber) === display);
  if (listed) return toNumber(listed);
  const row = await db
    .selectFrom("phone_numbers")
    .select("phone_number_id")
    .where("waba_id", "=", ev.wabaId)
    .where(sql`regexp_replace(display_phone_number, '\\D', '', 'g')`, "=", display)
    .executeTakeFirst();
  const n = row && numbers.find((x) => x.phoneNumberId === row.phone_number_id);
  return n
    ? toNumber(n)
    : refuse("UNKNOWN_PHONE_NUMBER", `display number ${display} is not a number of WABA ${ev.wabaId}`);
}

/**
 * Routes one event by Meta's model: number-level events (`messages` field: inbound messages, statuses, their
 * errors) by metadata.phone_number_id, WABA-level fields (templates, account_update, …) by entry.id, quality and
 * throughput updates by their display number within the WABA. Without accounts everything goes to "whatsapp".
 */
export async function routeEvent(
  db: Executor,
  accounts: Accounts | undefined,
  ev: Exclude<WebhookEvent, UnknownEvent>,
): Promise<Routed> {
  if (!accounts) return UNROUTED;
  switch (ev.kind) {
    case "message":
    case "status":
      return byNumber(accounts, ev);
    case "user_preference":
    case "error":
      return ev.phoneNumberId !== null ? byNumber(accounts, ev) : byWaba(accounts, ev);
    case "phone_quality":
      return byDisplay(db, accounts, ev);
    case "template_status":
    case "template_category":
    case "template_quality":
    case "account_update":
      return byWaba(accounts, ev);
  }
}
