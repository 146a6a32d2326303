import { refuse, type Refusal } from "@wa/contract";
import { z } from "zod";
import type { ToolDeps } from "../deps.js";

// One deployment serves one business number today; `from` is accepted so agents written for several numbers
// state which one they mean, and a number this deployment does not serve is refused instead of sent from another.

export const fromNumber = z
  .string()
  .min(1)
  .max(32)
  .describe(
    "The business number to send from: its phone_number_id or its display number. Omit it to use the deployment's number.",
  );

/** null when `from` is absent or names this deployment's number; otherwise the refusal to return. */
export async function checkFrom(from: string | undefined, deps: Pick<ToolDeps, "db" | "cfg">): Promise<Refusal | null> {
  if (from === undefined) return null;
  const id = deps.cfg.META_PHONE_NUMBER_ID;
  const wanted = from.replace(/[\s+()-]/g, "");
  if (wanted === id) return null;
  const row = await deps.db
    .selectFrom("phone_numbers")
    .select("display_phone_number")
    .where("phone_number_id", "=", id)
    .executeTakeFirst();
  if (row?.display_phone_number && row.display_phone_number.replace(/[\s+()-]/g, "") === wanted) return null;
  return refuse(
    "INVALID_ARGUMENT",
    `from: this deployment sends from one number (phone_number_id ${id}); "${from}" is not it.`,
    "Omit from, or pass this deployment's phone_number_id.",
  );
}
