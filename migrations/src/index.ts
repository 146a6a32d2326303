import type { Migration } from "kysely";
import * as m0001 from "./0001_init.js";
import * as m0002 from "./0002_webhook_dead_letters.js";
import * as m0003 from "./0003_webhook_dead_bodies.js";
import * as m0004 from "./0004_policies_version.js";
import * as m0005 from "./0005_delivery_lifecycle.js";
import * as m0006 from "./0006_operator_console.js";
import * as m0007 from "./0007_marketing_limit.js";
import * as m0008 from "./0008_template_sync.js";
import * as m0009 from "./0009_customer_aliases.js";
import * as m0010 from "./0010_media_link_domains.js";
import * as m0011 from "./0011_inbound_media_index.js";
import * as m0012 from "./0012_campaign_template_parts.js";
import * as m0013 from "./0013_agent_keys.js";
import * as m0014 from "./0014_approvals.js";
import * as m0015 from "./0015_approval_idempotency.js";
import * as m0016 from "./0016_accounts.js";
import * as m0017 from "./0017_partial_message_keys.js";

/** Every migration, in order. Names sort in run order; files are frozen once shipped. */
export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  "0001_init": m0001,
  "0002_webhook_dead_letters": m0002,
  "0003_webhook_dead_bodies": m0003,
  "0004_policies_version": m0004,
  "0005_delivery_lifecycle": m0005,
  "0006_operator_console": m0006,
  "0007_marketing_limit": m0007,
  "0008_template_sync": m0008,
  "0009_customer_aliases": m0009,
  "0010_media_link_domains": m0010,
  "0011_inbound_media_index": m0011,
  "0012_campaign_template_parts": m0012,
  "0013_agent_keys": m0013,
  "0014_approvals": m0014,
  "0015_approval_idempotency": m0015,
  "0016_accounts": m0016,
  "0017_partial_message_keys": m0017,
});
