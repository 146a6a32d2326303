import { loadConfigOrExit, pgEnv } from "@wa/config";
import { createDb } from "@wa/db";
import { listSendingPauses, resumeSending } from "@wa/messaging";
import { z } from "zod";

// Operator command: `node dist/resume-sending.js [reason…]` resumes the sending that an account-level error paused
// for META_PHONE_NUMBER_ID (audited as actor operator). Without a pause it says so and changes nothing.
const env = pgEnv.extend({
  META_PHONE_NUMBER_ID: z
    .string()
    .regex(/^\d{1,30}$/)
    .describe("the business number to resume"),
});

async function main(): Promise<number> {
  const cfg = loadConfigOrExit(env, { service: "resume-sending" });
  const db = createDb(cfg.DATABASE_URL, { max: 1 });
  try {
    const reason = process.argv.slice(2).join(" ").trim() || "resumed by an operator";
    const paused = (await listSendingPauses(db)).find((p) => p.phone_number_id === cfg.META_PHONE_NUMBER_ID);
    if (!paused || !(await resumeSending(db, cfg.META_PHONE_NUMBER_ID, { actor: "operator", reason }))) {
      process.stdout.write(`${cfg.META_PHONE_NUMBER_ID}: sending is not paused; nothing to do\n`);
      return 0;
    }
    process.stdout.write(
      `${cfg.META_PHONE_NUMBER_ID}: sending resumed (was paused since ${paused.paused_at}: ${paused.error_code ?? ""} ${paused.error_title ?? ""})\n`,
    );
    return 0;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`resume-sending: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
