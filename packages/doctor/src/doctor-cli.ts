import { doctorEnv, loadConfigOrExit, redactUrl } from "@wa/config";
import { createDb, type Db, pingDb } from "@wa/db";
import { formatReport } from "./report.js";
import { runDoctor } from "./run-doctor.js";

// `pnpm run doctor`: checks a real configuration before going live. Reads only; never prints the token or secret.
const cfg = loadConfigOrExit(doctorEnv, { service: "doctor" });
const target = {
  baseUrl: cfg.META_API_BASE_URL,
  version: cfg.META_API_VERSION,
  accessToken: cfg.META_ACCESS_TOKEN,
  timeoutMs: cfg.META_TIMEOUT_MS,
  phoneNumberId: cfg.META_PHONE_NUMBER_ID,
  wabaId: cfg.META_WABA_ID,
  appSecret: cfg.META_APP_SECRET,
};
const db = createDb(cfg.DATABASE_URL, { max: 1, applicationName: "wa-doctor" });
try {
  const reachable: Db | null = (await pingDb(db)) ? db : null;
  const report = await runDoctor(target, reachable);
  const where = `${cfg.META_API_BASE_URL} ${cfg.META_API_VERSION}, WABA ${cfg.META_WABA_ID}, database ${redactUrl(cfg.DATABASE_URL)}`;
  process.stdout.write(formatReport(report, where));
  process.exitCode = report.ok ? 0 : 1;
} finally {
  await db.destroy();
}
