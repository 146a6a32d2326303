import { readFile } from "node:fs/promises";
import type { Database } from "@wa/db";
import { writeAudit } from "@wa/db";
import { type Kysely, sql } from "kysely";
import { parseDocument } from "yaml";
import { PolicyError } from "./policy-error.js";
import { type Policy, parsePolicyList } from "./policy-schema.js";

/** Parses and validates a policies YAML text; throws PolicyError naming every bad policy. */
export function parsePolicies(text: string, where = "policies.yaml"): Policy[] {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) throw new PolicyError(`${where}: invalid YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
  return parsePolicyList(doc.toJS(), where);
}

/**
 * Reads the policies file, validates it, and upserts every policy in one transaction. Idempotent:
 * unchanged rows are not touched; each inserted or changed one gets an audit entry. Policies that
 * are in the table but not in the file are left alone (disable them with `enabled: false`).
 */
export async function loadPolicies(db: Kysely<Database>, file: string): Promise<Policy[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new PolicyError(`policies file ${file} cannot be read: ${(err as Error).message}`, [], { cause: err });
  }
  const policies = parsePolicies(text, file);
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
        await writeAudit(trx, { actor: "system", action: "policy.upserted", subjectType: "policy", subjectId: p.id, details: { file, policy: p } });
      }
    }
  });
  return policies;
}
