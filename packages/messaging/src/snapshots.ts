import type { Db } from "@wa/db";
import { resolveCustomerIds, type StateSnapshot, type StateStore } from "@wa/state";
import type { Item } from "./draft.js";

/** Where the decision's facts come from: the cached per-customer snapshot (one send) or one bulk read (a batch). */
export type Snapshots = (items: readonly Item[]) => Promise<((item: Item) => StateSnapshot | null) | null>;

/** Values grouped by channel, in first-seen order, for one read per channel. */
function byChannel<T>(
  list: readonly T[],
  channelOf: (t: T) => string,
  valueOf: (t: T) => string,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const t of list) {
    const ch = channelOf(t);
    const ids = out.get(ch);
    if (ids) ids.push(valueOf(t));
    else out.set(ch, [valueOf(t)]);
  }
  return out;
}

/** One customer whether addressed by phone or BSUID: maps each addressed id to the customer holding it. */
export async function customersOf(
  db: Db,
  list: readonly { channel: string; recipient: string }[],
): Promise<(channel: string, recipient: string) => string> {
  const groups = byChannel(
    list,
    (r) => r.channel,
    (r) => r.recipient,
  );
  const maps = new Map(
    await Promise.all([...groups].map(async ([ch, ids]) => [ch, await resolveCustomerIds(db, ch, ids)] as const)),
  );
  return (ch, id) => maps.get(ch)?.get(id) ?? id;
}

/** One send: the engine reads the snapshot itself, unless the addressed id is another id of the customer. */
export const cachedSnapshots =
  (state: StateStore): Snapshots =>
  async (items) => {
    if (!items.some((i) => i.recipient !== i.customerId)) return null;
    const snaps = new Map(
      await Promise.all(
        items.map(
          async (i) => [i, await state.getSnapshot({ customerId: i.customerId, channel: i.checked.channel })] as const,
        ),
      ),
    );
    return (i) => snaps.get(i) ?? null;
  };

/** A batch: one read per channel for every item's customer. */
export const bulkSnapshots =
  (state: StateStore): Snapshots =>
  async (items) => {
    const groups = byChannel(
      items,
      (i) => i.checked.channel,
      (i) => i.customerId,
    );
    const snaps = new Map(
      await Promise.all([...groups].map(async ([ch, ids]) => [ch, await state.getSnapshots(ch, ids)] as const)),
    );
    return (i) => snaps.get(i.checked.channel)?.get(i.customerId) ?? null;
  };
