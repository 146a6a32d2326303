// Domain constants and the defaults that code outside an app's env schema needs (a test, a bench, a package
// used without every option). The env schemas take their defaults from here too, so each value is written once.

const HOUR_MS = 60 * 60 * 1000;

/** One day in ms: for knobs counted in days (retention, schedule horizon, audience filters). */
export const DAY_MS = 24 * HOUR_MS;

/**
 * Meta's customer service window: free-form messages only until 24 h after the customer's last message
 * (compliance.md rule 4). Also the rolling day of the marketing frequency cap (rule 6) and of Meta's
 * messaging-limit tiers.
 */
export const WINDOW_MS = 24 * HOUR_MS;

/** The only channel today; rows, keys and policies carry it so another can be added. */
export const DEFAULT_CHANNEL = "whatsapp";

/** schedule_message and schedule_campaign accept deliver_at at most this many days ahead (tools.md). */
export const MAX_SCHEDULE_DAYS = 30;

export const COMPLIANCE_DEFAULTS = Object.freeze({
  consentMode: "explicit" as "explicit" | "implicit", // CONSENT_MODE
  marketingDailyCap: 2, // MARKETING_DAILY_CAP
  timezone: "UTC", // DEFAULT_TIMEZONE
  usMarketingPause: true, // META_US_MARKETING_PAUSE: Meta has not delivered marketing templates to US numbers since 2025-04-01
  templateCacheMs: 15_000, // templates are cached in-process this long (sync_template_status invalidates)
  templateCheckMs: 1_000, // each process asks at most this often whether another changed templates (a webhook): seen within ~1 s
  policyCheckMs: 1_000, // each process re-reads the policies' version at most this often: a change is seen within ~1 s
});
