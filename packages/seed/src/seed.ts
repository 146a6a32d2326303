import { createDb, type NewTemplateRow } from "@wa/db";
import { loadPolicies } from "@wa/compliance";

interface DemoData {
  phone_numbers: Array<{
    phone_number_id: string;
    waba_id: string;
    display_phone_number: string;
    verified_name: string;
    quality_rating: string;
    messaging_limit_tier: string;
    throughput_mps: number;
  }>;
  templates?: Array<Omit<NewTemplateRow, "components"> & { components?: unknown[] }>;
}

export interface SeedOptions {
  databaseUrl: string;
  policiesFile: string;
  demo: DemoData;
}

/** Idempotent: upserts the demo number, its templates (under its WABA) and the policies file; returns a one-line summary. */
export async function seedDemo({ databaseUrl, policiesFile, demo }: SeedOptions): Promise<string> {
  const db = createDb(databaseUrl, { max: 2, applicationName: "wa-seed" });
  try {
    for (const n of demo.phone_numbers) {
      await db
        .insertInto("phone_numbers")
        .values(n)
        .onConflict((oc) => oc.column("phone_number_id").doUpdateSet({ ...n, updated_at: new Date() }))
        .execute();
    }
    // Templates belong to a WABA: the demo's are its (first) number's, the default one.
    const wabaId = demo.phone_numbers[0]?.waba_id ?? null;
    for (const t of demo.templates ?? []) {
      const row = { waba_id: wabaId, ...t, components: JSON.stringify(t.components ?? []) };
      await db
        .insertInto("templates")
        .values(row)
        .onConflict((oc) => oc.columns(["waba_id", "name", "locale"]).doUpdateSet({ ...row, updated_at: new Date() }))
        .execute();
    }
    const policies = await loadPolicies(db, policiesFile);
    return `${demo.phone_numbers.length} number(s), ${demo.templates?.length ?? 0} template(s), ${policies.length} policies`;
  } finally {
    await db.destroy();
  }
}
