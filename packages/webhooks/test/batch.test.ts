import { useTestDatabase } from "@wa/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, harness, PHONE_ID, sql, statusesBody } from "./support.js";

const tdb = useTestDatabase();
let h: Harness;
beforeAll(() => void (h = harness(tdb.url, { concurrency: 8 })));
afterAll(() => h.close());

describe("a 1,000-status batch (Meta's largest)", () => {
  it("applies every status of one body, each once", async () => {
    await sql`INSERT INTO customers (customer_id) SELECT '62815' || lpad(g::text, 7, '0') FROM generate_series(1, 1000) g`.execute(
      h.db,
    );
    await sql`INSERT INTO messages (customer_id, direction, category, kind, content, status, wamid, phone_number_id, sent_at)
      SELECT '62815' || lpad(g::text, 7, '0'), 'outbound', 'utility', 'template', '{}', 'sent', 'wamid.B' || g, ${PHONE_ID}, now()
      FROM generate_series(1, 1000) g`.execute(h.db);
    const T = Math.floor(Date.now() / 1000);
    const body = statusesBody(
      Array.from({ length: 1000 }, (_, i) => ({
        id: `wamid.B${i + 1}`,
        status: i % 2 ? "delivered" : "read",
        ts: T,
        pricing: true,
      })),
    );
    const r = await h.processor.processBody(body);
    expect(r).toMatchObject({ events: 1000, pending: 0, outcomes: { applied: 1000 } });
    const counts = await sql<{
      status: string;
      n: string;
    }>`SELECT status, count(*) AS n FROM messages GROUP BY status ORDER BY status`.execute(h.db);
    expect(counts.rows.map((x) => [x.status, Number(x.n)])).toEqual([
      ["delivered", 500],
      ["read", 500],
    ]);
    const ledger = await sql<{ n: string }>`SELECT count(*) AS n FROM webhook_events`.execute(h.db);
    expect(Number(ledger.rows[0]!.n)).toBe(1000);
    const again = await h.processor.processBody(body);
    expect(again.outcomes.duplicate).toBe(1000);
  });
});
