import type { Kysely } from "kysely";
import type { Database } from "./types.js";

/** The pool or an open transaction: repository functions take either, so a caller can compose them in one. */
export type Executor = Kysely<Database>;

/** Runs `fn` in `ex` when it is already a transaction (the caller commits), else in a new one. */
export function inTransaction<T>(ex: Executor, fn: (trx: Executor) => Promise<T>): Promise<T> {
  return ex.isTransaction ? fn(ex) : ex.transaction().execute(fn);
}
