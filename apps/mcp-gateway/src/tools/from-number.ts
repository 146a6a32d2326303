import type { NumberAccount } from "@wa/accounts";
import { refuse, type Refusal } from "@wa/contract";
import { z } from "zod";
import type { ToolDeps } from "../deps.js";

// A deployment may serve several business numbers (accounts.yaml). `from` names one by its phone_number_id or its
// display number; omitted, the default number. A number this deployment does not serve is refused, never
// replaced by another: the window, consent and caps differ per number and business.

export const fromNumber = z
  .string()
  .min(1)
  .max(32)
  .describe(
    "The business number to use: its phone_number_id or its display number (e.g. +1 555 010 0001). Omit it for the default number.",
  );

/** The number a tool answered for, in every answer of a tool that takes `from`. */
export const fromShape = z
  .object({
    phone_number_id: z.string(),
    display_phone_number: z.string().nullable(),
    business_id: z.string().describe("the business (accounts.yaml) whose customers, consent and caps apply"),
  })
  .describe("the business number used");

export const fromOut = (n: NumberAccount) => ({
  phone_number_id: n.phoneNumberId,
  display_phone_number: n.displayPhoneNumber,
  business_id: n.businessId,
});

/** The send path's view of the number: the window is with it, customers live under its business's channel. */
export const outboundFrom = (n: NumberAccount) => ({ phone_number_id: n.phoneNumberId, channel: n.channel });

/**
 * The number `from` names (default: the default number), or NOT_FOUND listing the numbers there are. A number
 * accounts.yaml gives no display number (the META_* variables never do) is known by the one Meta reported, as
 * stored in phone_numbers; read at most once a minute per process.
 */
export async function resolveFrom(
  from: string | undefined,
  deps: Pick<ToolDeps, "accounts" | "db" | "now">,
): Promise<NumberAccount | Refusal> {
  const own = deps.accounts.resolve(from);
  // Not named by the accounts: maybe by the display number Meta reported, read fresh.
  const known = await withStoredDisplays(deps, own === undefined);
  const wanted = from?.replace(/\D/g, "");
  const n = own ?? (wanted ? known.find((k) => k.displayPhoneNumber?.replace(/\D/g, "") === wanted) : undefined);
  if (n) return known.find((k) => k.phoneNumberId === n.phoneNumberId) ?? n;
  const numbers = known.map(fromOut);
  return refuse(
    "NOT_FOUND",
    `from: "${from}" is not a business number of this deployment (it serves ${numbers.length}: ${numbers
      .map((x) => x.display_phone_number ?? x.phone_number_id)
      .join(", ")}).`,
    "Pass one of the numbers in details.numbers (phone_number_id or display number), or omit from to use the default number.",
    { from: from ?? null, numbers },
  );
}

const DISPLAY_TTL_MS = 60_000;
const displays = new WeakMap<object, { at: number; numbers: readonly NumberAccount[] }>();

/**
 * The accounts' numbers, each with a display number (its own, else the stored one); Postgres down: as they are.
 * Kept a minute once every number has one (until then each call reads them: Meta's may arrive any time).
 */
async function withStoredDisplays(
  deps: Pick<ToolDeps, "accounts" | "db" | "now">,
  fresh: boolean,
): Promise<readonly NumberAccount[]> {
  const { numbers } = deps.accounts;
  if (numbers.every((n) => n.displayPhoneNumber !== null)) return numbers;
  const hit = displays.get(deps.accounts);
  if (!fresh && hit && deps.now() - hit.at < DISPLAY_TTL_MS) return hit.numbers;
  const rows = await deps.db
    .selectFrom("phone_numbers")
    .select(["phone_number_id", "display_phone_number"])
    .where(
      "phone_number_id",
      "in",
      numbers.map((n) => n.phoneNumberId),
    )
    .execute()
    .catch(() => null);
  if (rows === null) return numbers;
  const stored = new Map(rows.map((r) => [r.phone_number_id, r.display_phone_number]));
  const filled = numbers.map((n) =>
    n.displayPhoneNumber !== null ? n : { ...n, displayPhoneNumber: stored.get(n.phoneNumberId) ?? null },
  );
  if (filled.every((n) => n.displayPhoneNumber !== null))
    displays.set(deps.accounts, { at: deps.now(), numbers: filled });
  return filled;
}

/**
 * The number a stored message was received on or sent from (NULL: the default number, as rows from before
 * accounts), or NOT_FOUND when this deployment no longer serves it: only that number knows the message's wamid.
 */
export function numberOfMessage(
  deps: Pick<ToolDeps, "accounts">,
  m: { readonly id: string; readonly phone_number_id: string | null },
): NumberAccount | Refusal {
  if (m.phone_number_id === null) return deps.accounts.defaultNumber;
  const n = deps.accounts.byPhoneNumberId(m.phone_number_id);
  if (n) return n;
  return refuse(
    "NOT_FOUND",
    `Message ${m.id} belongs to business number ${m.phone_number_id}, which this deployment no longer serves.`,
    "Only the number a message was received on or sent from can act on it; add the number back to accounts.yaml, or leave this message.",
    { phone_number_id: m.phone_number_id, numbers: deps.accounts.numbers.map(fromOut) },
  );
}
