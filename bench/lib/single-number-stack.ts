// The stack of the delivery and delivery-capacity benches: mock-meta's default number, paced by the workers at
// the mock's own limit, its order_update template, and rows queued from it.
import { DEFAULT_PHONE_NUMBER_ID, DEFAULT_WABA_ID } from "@wa/mock-meta";
import { sql } from "kysely";
import { openStack, publishEnvelopes, type Stack } from "./delivery-stack.js";

export function openSingleNumber(mockOptions: { throughputMps: number }): Promise<Stack> {
  return openStack({
    name: "bench-delivery",
    mock: { port: 0, throughputMps: mockOptions.throughputMps, knobs: { triggers: false } }, // bench numbers end in 0001…
    seed: async (db) => {
      // The workers pace the number from phone_numbers.throughput_mps: the number's limit is the mock's.
      await db
        .insertInto("phone_numbers")
        .values({
          phone_number_id: DEFAULT_PHONE_NUMBER_ID,
          waba_id: DEFAULT_WABA_ID,
          throughput_mps: mockOptions.throughputMps,
        })
        .execute();
      await db
        .insertInto("templates")
        .values({
          name: "order_update",
          locale: "en",
          category: "utility",
          status: "APPROVED",
          parameter_count: 2,
          components: "[]",
        })
        .execute();
    },
  });
}

/** n queued rows over `recipients` customers, their envelopes published before any worker starts. */
export async function fill(s: Stack, n: number, recipients: number, base: number): Promise<void> {
  await sql`INSERT INTO customers (customer_id, phone) SELECT (${base}::bigint + g)::text, (${base}::bigint + g)::text FROM generate_series(1, ${recipients}) g ON CONFLICT DO NOTHING`.execute(
    s.db,
  );
  const ids = (
    await sql<{ id: string }>`
    INSERT INTO messages (customer_id, direction, category, kind, content, template_name, template_locale, status, queued_at)
    SELECT (${base}::bigint + 1 + (g % ${recipients}))::text, 'outbound', 'utility', 'template',
      '{"type":"template","template_name":"order_update","locale":"en","variables":["Ann","A-1"]}'::jsonb, 'order_update', 'en', 'queued', now()
    FROM generate_series(1, ${n}) g RETURNING id`.execute(s.db)
  ).rows.map((r) => r.id);
  await publishEnvelopes(s, ids);
}
