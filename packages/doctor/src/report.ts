import type { DoctorReport } from "./run-doctor.js";

const MARK = { ok: "ok  ", warn: "WARN", fail: "FAIL", skip: "skip" } as const;

/** Plain text, one block per check; failures and warnings say why and what to do. */
export function formatReport(r: DoctorReport, target: string): string {
  const lines = [`doctor: ${target} (read-only)`, ""];
  for (const c of r.checks) {
    lines.push(`[${MARK[c.status]}] ${c.name}: ${c.detail}`);
    if (c.explanation) lines.push(`       why: ${c.explanation}`);
    if (c.action) lines.push(`       do:  ${c.action}`);
  }
  const failed = r.checks.filter((c) => c.status === "fail").length;
  lines.push(
    "",
    r.ok ? "All checks passed." : `${failed} check(s) failed: fix them from the top, then run pnpm run doctor again.`,
  );
  return `${lines.join("\n")}\n`;
}
