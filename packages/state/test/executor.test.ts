// Issue 13: the store's writes take an executor, so a caller (the webhook processor) composes them in its own
// transaction: they commit or roll back with it.
import { describe, expect, it } from "vitest";
import { createStateStore } from "../src/index.js";
import { phone, useStateEnv } from "./helpers.js";

const env = useStateEnv();

describe("the store on a caller's transaction", () => {
  it("recordInbound, setConsent and recordOutbound write inside it and roll back with it", async () => {
    const id = phone();
    const rolledBack = new Error("caller rolls back");
    const err = await env.db
      .transaction()
      .execute(async (trx) => {
        const s = createStateStore({ db: trx }); // no Redis: Postgres only
        await s.recordInbound({ customerId: id }, Date.now() - 1000);
        await s.setConsent({ customerId: id }, { marketing: "granted" }, { source: "test" });
        await s.recordOutbound({ customerId: id }, Date.now());
        const seen = await trx
          .selectFrom("customers")
          .select("marketing_consent")
          .where("customer_id", "=", id)
          .executeTakeFirst();
        expect(seen?.marketing_consent).toBe("granted"); // visible inside
        throw rolledBack;
      })
      .catch((e: unknown) => e);
    expect(err).toBe(rolledBack);
    expect(await env.db.selectFrom("customers").select("id").where("customer_id", "=", id).execute()).toEqual([]);
    expect(await env.db.selectFrom("conversations").select("id").where("customer_id", "=", id).execute()).toEqual([]);
  });

  it("commits with the caller's transaction", async () => {
    const id = phone();
    await env.db.transaction().execute(async (trx) => {
      await createStateStore({ db: trx }).recordInbound({ customerId: id }, Date.now() - 1000);
    });
    expect(await env.db.selectFrom("conversations").select("status").where("customer_id", "=", id).execute()).toEqual([
      { status: "active" },
    ]);
  });
});
