import type { MetaClient } from "@wa/meta";

/** The business numbers a delivery worker sends from, each with the Graph client of its WABA (its token). */
export interface SendingNumbers {
  /** The number a message without phone_number_id is sent from. */
  readonly defaultNumber: string;
  /** Every number this worker may send from (their buckets are emptied at start). */
  readonly all: readonly string[];
  /** The client that sends as this number; undefined when the number is not ours (or no longer listed). */
  clientOf(phoneNumberId: string): MetaClient | undefined;
  /** The numbers whose sends use this number's token (its WABA's numbers): an invalid token pauses all of them. */
  sharingToken(phoneNumberId: string): readonly string[];
}

/** The slice of @wa/accounts' registry this needs (structural, so messaging does not depend on accounts). */
export interface AccountsLike {
  readonly numbers: readonly { readonly phoneNumberId: string; readonly wabaId: string }[];
  readonly defaultNumber: { readonly phoneNumberId: string };
  token(wabaId: string): string;
}

/** One number, one client: what a worker had before accounts (and what the in-process tests still use). */
export function singleSendingNumber(meta: MetaClient, phoneNumberId: string): SendingNumbers {
  const all = [phoneNumberId];
  return {
    defaultNumber: phoneNumberId,
    all,
    clientOf: (id) => (id === phoneNumberId ? meta : undefined),
    sharingToken: (id) => (id === phoneNumberId ? all : [id]),
  };
}

/**
 * Every number of the accounts, one Graph client per WABA built by `client` with that WABA's token (a token sees
 * only its own WABA's numbers at Meta, so a number must never be sent from with another WABA's client).
 */
export function sendingNumbersOf(
  accounts: AccountsLike,
  client: (wabaId: string, token: string, firstNumber: string) => MetaClient,
): SendingNumbers {
  const byWaba = new Map<string, { meta: MetaClient; numbers: string[] }>();
  const wabaOf = new Map<string, string>();
  for (const n of accounts.numbers) {
    let w = byWaba.get(n.wabaId);
    if (!w) {
      w = { meta: client(n.wabaId, accounts.token(n.wabaId), n.phoneNumberId), numbers: [] };
      byWaba.set(n.wabaId, w);
    }
    w.numbers.push(n.phoneNumberId);
    wabaOf.set(n.phoneNumberId, n.wabaId);
  }
  const of = (id: string) => {
    const waba = wabaOf.get(id);
    return waba === undefined ? undefined : byWaba.get(waba);
  };
  return {
    defaultNumber: accounts.defaultNumber.phoneNumberId,
    all: [...wabaOf.keys()],
    clientOf: (id) => of(id)?.meta,
    sharingToken: (id) => of(id)?.numbers ?? [id],
  };
}
