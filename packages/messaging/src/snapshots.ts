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
    const snaps = new Map(await Promise.all(items.map(async (i) => [i, await state.getSnapshot(keyOf(i))] as const)));
    return (i) => snaps.get(i) ?? null;
  };

/** The state key of an item: the customer in its business, the window with the sending number. */
function keyOf(i: Item): Parameters<StateStore["getSnapshot"]>[0] {
  const n = i.checked.phoneNumberId;
  return { customerId: i.customerId, channel: i.checked.channel, ...(n === null ? {} : { phoneNumberId: n }) };
}

// A batch's group: one business channel and one sending number ("" = the default number).
const groupOf = (i: Item) => `${i.checked.channel}\u0000${i.checked.phoneNumberId ?? ""}`;

/** A batch: one read per (channel, number) for every item's customer. */
export const bulkSnapshots =
  (state: StateStore): Snapshots =>
  async (items) => {
    const groups = byChannel(items, groupOf, (i) => i.customerId);
    const snaps = new Map(
      await Promise.all(
        [...groups].map(async ([g, ids]) => {
          const [ch, number] = g.split("\u0000") as [string, string];
          return [g, await state.getSnapshots(ch, ids, number || undefined)] as const;
        }),
      ),
    );
    return (i) => snaps.get(groupOf(i))?.get(i.customerId) ?? null;
  };
