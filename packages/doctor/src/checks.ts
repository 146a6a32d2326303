import type { Db } from "@wa/db";
import { explainMetaError } from "@wa/meta";
import { appSecretProof, type GraphAnswer, type GraphTarget, graphGet } from "./graph-get.js";
import type { CheckResult } from "./types.js";

export interface DoctorTarget extends GraphTarget {
  readonly phoneNumberId: string;
  readonly wabaId: string;
  readonly appSecret: string | undefined;
}

const NEEDED_SCOPES = ["whatsapp_business_messaging", "whatsapp_business_management"];
const WEEK_S = 7 * 86_400;
const NEW_TOKEN =
  "Generate a new token for a system user (Business Settings → Users → System users → Generate new token, with whatsapp_business_messaging and whatsapp_business_management) and set META_ACCESS_TOKEN.";

/** A failed Graph answer as a check result, explained by the gateway's error catalog. */
function failed(name: string, what: string, a: Extract<GraphAnswer, { ok: false }>, action?: string): CheckResult {
  if (a.code === null) {
    return {
      name,
      status: "fail",
      detail: `${what}: ${a.message}`,
      explanation: "Meta could not be reached or answered something unreadable.",
      action: "Check META_API_BASE_URL (https://graph.facebook.com for the real API), the network and any proxy.",
    };
  }
  const e = explainMetaError(a.code, { details: a.details });
  return {
    name,
    status: "fail",
    detail: `${what}: Meta error ${a.code} (${a.message})`,
    explanation: e.human_explanation,
    action: action ?? e.suggested_action,
  };
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** debug_token: the token is valid, does not expire soon, and carries both WhatsApp permissions on this WABA. */
export async function checkToken(t: DoctorTarget, nowS: number): Promise<CheckResult> {
  const name = "access token";
  const a = await graphGet(t, "debug_token", { input_token: t.accessToken });
  if (!a.ok) return failed(name, "debug_token failed", a, a.code === 190 ? NEW_TOKEN : undefined);
  const d = (a.body.data ?? {}) as Record<string, unknown>;
  if (d.is_valid !== true) {
    const err = (d.error ?? {}) as { code?: unknown; message?: unknown };
    const code = typeof err.code === "number" ? err.code : 190;
    const message = String(err.message ?? "invalid");
    return failed(name, "the token is not valid", { ok: false, code, message, details: null }, NEW_TOKEN);
  }
  const scopes = strings(d.scopes);
  const missing = NEEDED_SCOPES.filter((s) => !scopes.includes(s));
  if (missing.length) {
    return {
      name,
      status: "fail",
      detail: `the token lacks ${missing.join(" and ")} (it has: ${scopes.join(", ") || "none"})`,
      explanation: explainMetaError(200).human_explanation,
      action: `Generate the system user's token again with ${NEEDED_SCOPES.join(" and ")} ticked, and set META_ACCESS_TOKEN.`,
    };
  }
  const granular = Array.isArray(d.granular_scopes)
    ? (d.granular_scopes as { scope?: unknown; target_ids?: unknown }[])
    : [];
  const blind = granular.filter(
    (g) =>
      NEEDED_SCOPES.includes(String(g.scope)) &&
      Array.isArray(g.target_ids) &&
      !strings(g.target_ids).includes(t.wabaId),
  );
  if (blind.length) {
    return {
      name,
      status: "fail",
      detail: `${blind.map((g) => String(g.scope)).join(" and ")} granted, but not on WABA ${t.wabaId}`,
      explanation:
        "The token's permissions name other WhatsApp Business Accounts, so calls for this one fail with a permission error.",
      action: `Assign WABA ${t.wabaId} to the system user (Business Settings → System users → Assign assets, full control), or fix META_WABA_ID.`,
    };
  }
  const expires = typeof d.expires_at === "number" ? d.expires_at : 0;
  const kind = typeof d.type === "string" ? d.type : "unknown";
  if (expires > 0 && expires - nowS < WEEK_S) {
    const when = new Date(expires * 1000).toISOString();
    return {
      name,
      status: "warn",
      detail: `valid (${kind}) but expires at ${when}`,
      explanation: "A temporary or user token stops working when it expires; every send then fails with 190.",
      action:
        "Use a system user token that never expires (Business Settings → System users → Generate new token, expiry: never).",
    };
  }
  return {
    name,
    status: "ok",
    detail: `valid ${kind} token with ${NEEDED_SCOPES.join(", ")}${expires ? "" : ", never expires"}`,
  };
}

/** appsecret_proof made with META_APP_SECRET: Meta accepts it only if the secret belongs to the token's app. */
export async function checkAppSecret(t: DoctorTarget): Promise<CheckResult> {
  const name = "app secret";
  if (!t.appSecret) {
    return {
      name,
      status: "skip",
      detail: "META_APP_SECRET not set here",
      action:
        "Set META_APP_SECRET (App dashboard → App settings → Basic → App secret) to check it; the webhook receiver rejects every webhook with a wrong one.",
    };
  }
  const a = await graphGet(t, t.phoneNumberId, {
    fields: "id",
    appsecret_proof: appSecretProof(t.accessToken, t.appSecret),
  });
  if (a.ok) return { name, status: "ok", detail: "META_APP_SECRET belongs to the token's app" };
  if (/appsecret_proof/i.test(a.message)) {
    return {
      ...failed(name, "Meta refused a proof made with META_APP_SECRET", a),
      action:
        "Copy the App secret of the app the token was generated for (App settings → Basic) into META_APP_SECRET; webhooks signed by that app would otherwise all be rejected (401).",
    };
  }
  return failed(name, "could not check", a);
}

/** The phone number answers and is a Cloud API number that can send. */
export async function checkPhoneNumber(t: DoctorTarget): Promise<CheckResult> {
  const name = "phone number";
  const a = await graphGet(t, t.phoneNumberId, {
    fields:
      "id,display_phone_number,verified_name,quality_rating,platform_type,status,whatsapp_business_manager_messaging_limit",
  });
  if (!a.ok)
    return failed(
      name,
      `GET /${t.phoneNumberId} failed`,
      a,
      "Check META_PHONE_NUMBER_ID (WhatsApp Manager → Phone numbers, or the app's API Setup page) and that the token can see it.",
    );
  const b = a.body;
  const label = `${String(b.display_phone_number ?? "?")} "${String(b.verified_name ?? "?")}"`;
  const facts = `quality ${String(b.quality_rating ?? "?")}, limit ${String(b.whatsapp_business_manager_messaging_limit ?? "?")}, status ${String(b.status ?? "?")}`;
  if (b.platform_type !== undefined && b.platform_type !== "CLOUD_API") {
    return {
      name,
      status: "fail",
      detail: `${label} is on ${String(b.platform_type)}, not the Cloud API`,
      explanation: "Only a number registered on the Cloud API can send through this gateway.",
      action:
        "Register the number for the Cloud API (POST /<PHONE_NUMBER_ID>/register with a two-step PIN), or pick another META_PHONE_NUMBER_ID.",
    };
  }
  if (b.quality_rating === "RED") {
    return {
      name,
      status: "warn",
      detail: `${label}: ${facts}`,
      explanation:
        "Quality is low: recipients blocked or reported recent messages; Meta may lower the messaging limit.",
      action: "Send less marketing, only to opted-in customers, until quality recovers (get_account_quality shows it).",
    };
  }
  return { name, status: "ok", detail: `${label}: ${facts}` };
}

/** The WABA answers and lists the phone number. */
export async function checkWaba(t: DoctorTarget): Promise<CheckResult> {
  const name = "business account";
  const a = await graphGet(t, t.wabaId, { fields: "id,name,status" });
  if (!a.ok)
    return failed(
      name,
      `GET /${t.wabaId} failed`,
      a,
      "Check META_WABA_ID (WhatsApp Manager → Account tools, or the app's API Setup page) and that the system user was assigned this WABA.",
    );
  const numbers = await graphGet(t, `${t.wabaId}/phone_numbers`, { fields: "id" });
  if (!numbers.ok) return failed(name, `GET /${t.wabaId}/phone_numbers failed`, numbers);
  const ids = Array.isArray(numbers.body.data)
    ? (numbers.body.data as { id?: unknown }[]).map((n) => String(n.id))
    : [];
  if (!ids.includes(t.phoneNumberId)) {
    return {
      name,
      status: "fail",
      detail: `WABA ${t.wabaId} does not list phone number ${t.phoneNumberId} (it has: ${ids.join(", ") || "none"})`,
      explanation: "Templates live in the WABA and messages go out from the number: both must belong together.",
      action: "Set META_PHONE_NUMBER_ID to a number of this WABA, or META_WABA_ID to the number's WABA.",
    };
  }
  return {
    name,
    status: "ok",
    detail: `"${String(a.body.name ?? "?")}" (${String(a.body.status ?? "?")}) lists the phone number`,
  };
}

/** The app is subscribed to the WABA's webhooks: without it no status, inbound or template event arrives. */
export async function checkWebhookSubscription(t: DoctorTarget): Promise<CheckResult> {
  const name = "webhook subscription";
  const a = await graphGet(t, `${t.wabaId}/subscribed_apps`);
  if (!a.ok) return failed(name, "subscribed_apps failed", a);
  const apps = Array.isArray(a.body.data) ? (a.body.data as { whatsapp_business_api_data?: { name?: unknown } }[]) : [];
  if (apps.length === 0) {
    return {
      name,
      status: "fail",
      detail: `no app is subscribed to WABA ${t.wabaId}`,
      explanation:
        "Meta sends this WABA's webhooks (statuses, inbound messages, template updates) only to subscribed apps: sends would stay at 'sent' forever.",
      action: `Subscribe once: curl -X POST "https://graph.facebook.com/${t.version}/${t.wabaId}/subscribed_apps" -H "Authorization: Bearer $META_ACCESS_TOKEN" (doctor itself never writes).`,
    };
  }
  const names = apps.map((x) => String(x.whatsapp_business_api_data?.name ?? "?")).join(", ");
  return {
    name,
    status: "ok",
    detail: `subscribed: ${names} (the callback URL and verify token are set in the app dashboard)`,
  };
}

/** The gateway's template copy matches Meta's list (names, languages and statuses). */
export async function checkTemplates(t: DoctorTarget, db: Db | null): Promise<CheckResult> {
  const name = "templates synced";
  const live: { name: string; language: string; status: string }[] = [];
  let after: string | undefined;
  for (let page = 0; page < 50; page++) {
    const a = await graphGet(t, `${t.wabaId}/message_templates`, {
      fields: "name,language,status",
      limit: "100",
      ...(after ? { after } : {}),
    });
    if (!a.ok) return failed(name, "listing Meta's templates failed", a);
    for (const x of (a.body.data ?? []) as Record<string, unknown>[])
      live.push({ name: String(x.name), language: String(x.language), status: String(x.status).toUpperCase() });
    const paging = a.body.paging as { next?: unknown; cursors?: { after?: unknown } } | undefined;
    if (typeof paging?.next !== "string" || typeof paging.cursors?.after !== "string") break;
    after = paging.cursors.after;
  }
  if (db === null) {
    return {
      name,
      status: "skip",
      detail: `Meta has ${live.length} template(s); the database was not reachable to compare`,
      action: "Check DATABASE_URL and run pnpm migrate; the scheduler and gateway sync templates at start.",
    };
  }
  const read = await Promise.all([
    db
      .selectFrom("templates")
      .select(["name", "locale", "status"])
      .where((eb) => eb.or([eb("waba_id", "=", t.wabaId), eb("waba_id", "is", null)])) // templates are per WABA
      .execute(),
    db.selectFrom("template_sync_state").select(["synced_at", "problem"]).executeTakeFirst(),
  ]).catch(() => null);
  if (read === null) {
    return {
      name,
      status: "fail",
      detail: "the database answers but has no template tables",
      explanation: "The schema is missing or older than this release.",
      action: "Run pnpm migrate against DATABASE_URL.",
    };
  }
  const [rows, state] = read;
  const stored = new Map(rows.map((r) => [`${r.name}:${r.locale}`, r.status]));
  const differ = live.filter((x) => stored.get(`${x.name}:${x.language}`) !== x.status);
  const approved = live.filter((x) => x.status === "APPROVED").length;
  const when = state?.synced_at ? state.synced_at.toISOString() : "never";
  if (differ.length) {
    const sample = differ
      .slice(0, 3)
      .map(
        (x) =>
          `${x.name} (${x.language}) ${x.status} at Meta, ${stored.get(`${x.name}:${x.language}`) ?? "missing"} here`,
      );
    return {
      name,
      status: "fail",
      detail: `${differ.length} of ${live.length} template(s) differ from Meta: ${sample.join("; ")}`,
      explanation: `The send tools check the stored copy; last sync: ${when}${state?.problem ? ` (failed: ${state.problem})` : ""}.`,
      action:
        'Start the scheduler with META_ACCESS_TOKEN and META_WABA_ID (it syncs at start and every TEMPLATE_SYNC_SECS), or run sync_webhooks / the console\'s "sync now".',
    };
  }
  return {
    name,
    status: "ok",
    detail: `${live.length} template(s), ${approved} APPROVED, same as Meta; last sync ${when}`,
  };
}
