// `pnpm console:create-admin <name> [--role admin|operator|viewer]`: creates a console account.
// The password comes from CONSOLE_ADMIN_PASSWORD, or a random one is generated and printed once.
// `--if-none` (used by npm start in dev) does nothing when any operator exists already.
import { randomBytes } from "node:crypto";
import { consoleAdminEnv, loadConfigOrExit } from "@wa/config";
import { createDb } from "@wa/db";
import { countOperators, createOperator, isRole } from "@wa/operators";

const args = process.argv.slice(2);
const flag = (n: string) => args.includes(n);
const option = (n: string) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : undefined;
};
const name = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--role") ?? "admin";
const role = option("--role") ?? "admin";

async function main(): Promise<number> {
  if (!isRole(role)) {
    process.stderr.write(`console:create-admin: unknown role "${role}" (viewer, operator or admin)\n`);
    return 2;
  }
  const cfg = loadConfigOrExit(consoleAdminEnv, { service: "console:create-admin" });
  const db = createDb(cfg.DATABASE_URL, { max: 1, applicationName: "console-create-admin" });
  try {
    if (flag("--if-none") && (await countOperators(db)) > 0) return 0;
    const given = cfg.CONSOLE_ADMIN_PASSWORD;
    const password = given && given.length > 0 ? given : randomBytes(15).toString("base64url");
    const r = await createOperator(db, { name, role, password }, "system");
    if (!r.ok) {
      process.stderr.write(`console:create-admin: ${r.message}\n`);
      return 1;
    }
    process.stdout.write(
      given
        ? `created ${role} "${r.operator.name}" with the password from CONSOLE_ADMIN_PASSWORD\n`
        : `created ${role} "${r.operator.name}"; password (shown once; change it under Settings): ${password}\n`,
    );
    return 0;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`console:create-admin: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
