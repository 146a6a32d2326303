import type { Migration } from "kysely";
import * as m0001 from "./0001_init.js";

/** Every migration, in order. Names sort in run order; files are frozen once shipped. */
export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  "0001_init": m0001,
});
