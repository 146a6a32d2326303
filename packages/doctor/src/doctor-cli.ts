import { doctorEnv, loadConfigOrExit, redactUrl } from "@wa/config";
import { createDb, type Db, pingDb } from "@wa/db";
import { formatReport } from "./report.js";
import { runDoctor } from "./run-doctor.js";
import { doctorTargets } from "./targets.js";

// `pnpm run doctor`: checks a real configuration before going live, every number of accounts.yaml (or the one of
// the META_* variables). Reads only; never prints a token or secret.
const cfg = loadConfigOrExit(doctorEnv, { service: "doctor" });
let targets: ReturnType<typeof doctorTargets>;
try {
  targets = doctorTargets(cfg);
} catch (err) {
  process.stderr.write(`doctor: ${(err as Error).message}\n`);
  process.exit(1);
}
const db = createDb(cfg.DATABASE_URL, { max: 1, applicationName: "wa-doctor" });
try {
  const reachable: Db | null = (await pingDb(db)) ? db : null;
  let ok = true;
  for (const { label, target } of targets) {
    const report = await runDoctor(target, reachable);
    const where = `${cfg.META_API_BASE_URL} ${cfg.META_API_VERSION}, ${label}, database ${redactUrl(cfg.DATABASE_URL)}`;
    process.stdout.write(formatReport(report, where));
    ok &&= report.ok;
  }
  process.exitCode = ok ? 0 : 1;
} finally {
  await db.destroy();
}
