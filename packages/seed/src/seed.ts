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

/** Idempotent: upserts the demo number, its templates and the policies file; returns a one-line summary. */
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
    for (const t of demo.templates ?? []) {
      const row = { ...t, components: JSON.stringify(t.components ?? []) };
      await db
        .insertInto("templates")
        .values(row)
        .onConflict((oc) => oc.columns(["name", "locale"]).doUpdateSet({ ...row, updated_at: new Date() }))
        .execute();
    }
    const policies = await loadPolicies(db, policiesFile);
    return `${demo.phone_numbers.length} number(s), ${demo.templates?.length ?? 0} template(s), ${policies.length} policies`;
  } finally {
    await db.destroy();
  }
}
