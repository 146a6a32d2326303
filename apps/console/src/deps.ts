import type { CampaignControlDeps } from "@wa/campaigns";
import type { ConsoleConfig } from "@wa/config";
import type { SyncOutcome } from "@wa/compliance";
import type { Db } from "@wa/db";
import type { Messaging } from "@wa/messaging";
import type { Logger } from "@wa/observability";
import type { LoginPolicy } from "@wa/operators";
import type { StateStore } from "@wa/state";
import type { ProcessReport } from "@wa/webhooks";

/** Everything the console's routes use; built once in main() (or by a test). */
export interface ConsoleDeps {
  readonly cfg: Pick<ConsoleConfig, "CONSOLE_COOKIE_SECURE" | "CONSOLE_SESSION_HOURS">;
  readonly db: Db;
  readonly log: Logger;
  readonly now: () => number;
  readonly state: StateStore;
  readonly campaigns: CampaignControlDeps; // the same control path as pause_campaign & co.
  readonly send: Messaging["enqueueOutbound"]; // the one send path: an approved request runs through it
  readonly processBody: (body: Buffer | string) => Promise<ProcessReport>; // the webhook processor, for dead-letter replay
  readonly login: LoginPolicy;
  /** Queue depth of the delivery stream; null when NATS cannot tell right now. */
  readonly queueDepth: () => Promise<number | null>;
  /** "Sync now": @wa/compliance syncTemplates over the console's Meta client; null without Meta credentials. */
  readonly syncTemplates: (() => Promise<SyncOutcome>) | null;
}
