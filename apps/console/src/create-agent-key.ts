// `pnpm agent:create-key <name> [--read-only] [--tools a,b] [--numbers id,…] [--categories utility,…]
//  [--marketing-daily-limit N] [--approval a,b] [--rate N]`: creates an agent key for the gateway's /mcp endpoint
// and prints it once (stdout); only its hash is stored. The console's Agents page does the same.
import { createAgentKey } from "@wa/agents";
import { consoleAdminEnv, loadConfigOrExit } from "@wa/config";
import { createDb } from "@wa/db";

const args = process.argv.slice(2);
const option = (n: string) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : undefined;
};
const items = (n: string) =>
  option(n)
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean) ?? null;
const num = (n: string) => (option(n) === undefined ? null : Number(option(n)));
const name = args.find((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--")) ?? "";

async function main(): Promise<number> {
  if (!name) {
    process.stderr.write("agent:create-key: give the agent's name, e.g. pnpm agent:create-key sales-bot --read-only\n");
    return 2;
  }
  const cfg = loadConfigOrExit(consoleAdminEnv, { service: "agent:create-key" });
  const db = createDb(cfg.DATABASE_URL, { max: 1, applicationName: "agent-create-key" });
  try {
    const r = await createAgentKey(
      db,
      {
        name,
        read_only: args.includes("--read-only"),
        allowed_tools: items("--tools"),
        allowed_numbers: items("--numbers"),
        allowed_categories: items("--categories"),
        marketing_daily_limit: num("--marketing-daily-limit"),
        approval_actions: items("--approval") ?? [],
        rate_limit_per_sec: num("--rate"),
      },
      "system",
    );
    if (!r.ok) {
      process.stderr.write(`agent:create-key: ${r.message}\n`);
      return 1;
    }
    process.stderr.write(`created key ${r.prefix}… for agent "${r.name}" (shown once; only its hash is stored):\n`);
    process.stdout.write(`${r.key}\n`);
    return 0;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`agent:create-key: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
