import type { Migration } from "kysely";
import * as m0001 from "./0001_init.js";
import * as m0002 from "./0002_webhook_dead_letters.js";

/** Every migration, in order. Names sort in run order; files are frozen once shipped. */
export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  "0001_init": m0001,
  "0002_webhook_dead_letters": m0002,
});
