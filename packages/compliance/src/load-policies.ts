import { readFile } from "node:fs/promises";
import type { AuditActor, Database } from "@wa/db";
import { writeAudit } from "@wa/db";
import { type Kysely, sql } from "kysely";
import { parseDocument } from "yaml";
import { PolicyError } from "./policy-error.js";
import { type Policy, parsePolicyList } from "./policy-schema.js";

/** Parses and validates a policies YAML text; throws PolicyError naming every bad policy. */
export function parsePolicies(text: string, where = "policies.yaml"): Policy[] {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length)
    throw new PolicyError(`${where}: invalid YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
  return parsePolicyList(doc.toJS(), where);
}

/**
 * Upserts validated policies in one transaction: unchanged rows are not touched; each inserted or changed
 * one gets an audit entry naming who and where from (the file at start, an admin in the console). With
 * `disableMissing` (the whole set, as the policies file is), an enabled policy not in the set is disabled
 * (kept for the audit trail, never deleted).
 */
export async function upsertPolicies(
  db: Kysely<Database>,
  policies: readonly Policy[],
  by: { readonly actor: AuditActor; readonly source: string },
  opts: { readonly disableMissing?: boolean } = {},
): Promise<string[]> {
  const changedIds: string[] = [];
  await db.transaction().execute(async (trx) => {
    for (const p of policies) {
      const row = {
        id: p.id,
        name: p.name,
        type: p.type,
        channel: p.channel,
        message_type: p.message_type,
        enabled: p.enabled,
        rules: JSON.stringify(p.rules),
      };
      const changed = await trx
        .insertInto("policies")
        .values(row)
        .onConflict((oc) =>
          oc
            .column("id")
            .doUpdateSet({ ...row, updated_at: sql`now()` })
            .where(
              sql<boolean>`(policies.name, policies.type, policies.channel, policies.message_type, policies.enabled, policies.rules)
                IS DISTINCT FROM (excluded.name, excluded.type, excluded.channel, excluded.message_type, excluded.enabled, excluded.rules)`,
            ),
        )
        .returning("id")
        .executeTakeFirst();
      if (changed) {
        changedIds.push(p.id);
        await writeAudit(trx, {
          actor: by.actor,
          action: "policy.upserted",
          subjectType: "policy",
          subjectId: p.id,
          details: { file: by.source, policy: p },
        });
      }
    }
    if (!opts.disableMissing) return;
    const ids = policies.map((p) => p.id);
    const removed = await trx
      .updateTable("policies")
      .set({ enabled: false, updated_at: sql`now()` })
      .where("enabled", "=", true)
      .$if(ids.length > 0, (q) => q.where("id", "not in", ids))
      .returning("id")
      .execute();
    for (const r of removed) {
      changedIds.push(r.id);
      await writeAudit(trx, {
        actor: by.actor,
        action: "policy.disabled",
        subjectType: "policy",
        subjectId: r.id,
        details: { file: by.source, reason: "not in the policies file" },
      });
    }
  });
  return changedIds;
}

/**
 * Reads the policies file, validates it, and applies it in one transaction: every policy is upserted, and an
 * enabled policy that is no longer in the file is disabled. Idempotent: unchanged rows are not touched; each
 * inserted, changed or disabled one gets an audit entry.
 */
export async function loadPolicies(db: Kysely<Database>, file: string): Promise<Policy[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new PolicyError(`policies file ${file} cannot be read: ${(err as Error).message}`, [], { cause: err });
  }
  const policies = parsePolicies(text, file);
  await upsertPolicies(db, policies, { actor: "system", source: file }, { disableMissing: true });
  return policies;
}
