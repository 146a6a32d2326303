// Issue 15: with accounts.yaml a body must be signed with the app secret of the WABA it names.
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appSecretsByWaba } from "@wa/accounts";
import { TWO_BUSINESSES, writeTwoBusinesses } from "@wa/testkit";
import { describe, expect, it } from "vitest";
import { createReceiverApp } from "../src/app.js";
import { bodyFor } from "./accounts-support.js";
import { APP_SECRET, memoryLogger, signed, testMetrics, VERIFY_TOKEN } from "./support.js";

const { WX, WY } = TWO_BUSINESSES;
const { X_SECRET: SECRET_X, Y_SECRET: SECRET_Y } = TWO_BUSINESSES.env;

describe("signatures per WABA (accounts.yaml)", () => {
  const secrets = appSecretsByWaba({ file: writeTwoBusinesses(), env: TWO_BUSINESSES.env });
  const app = createReceiverApp({
    appSecret: APP_SECRET,
    appSecretsByWaba: secrets,
    verifyToken: VERIFY_TOKEN,
    bodyLimitBytes: 4096,
    bufferBytes: 64 * 1024,
    publish: async () => ({ duplicate: false }),
    store: async () => {},
    ready: async () => ({ ok: true, checks: {} }),
    metrics: testMetrics(),
    log: memoryLogger().log,
  });
  const post = async (body: string, secret: string) =>
    (await app.request("/webhook", { method: "POST", ...signed(body, secret) })).status;

  it("reads each WABA's app secret from the file, without the database", () => {
    expect(secrets && [...secrets.entries()]).toEqual([
      [WX, SECRET_X],
      [WY, SECRET_Y],
    ]);
    expect(appSecretsByWaba({ file: join(tmpdir(), "no-such-accounts.yaml") })).toBeNull();
    expect(() => appSecretsByWaba({ file: writeTwoBusinesses(), env: { X_SECRET: "s" } })).toThrow(
      /Y_SECRET is not set/,
    );
  });

  it("accepts a body signed with the secret of the WABA it names, refuses another business's secret", async () => {
    expect(await post(bodyFor(WX), SECRET_X)).toBe(200);
    expect(await post(bodyFor(WY), SECRET_Y)).toBe(200);
    expect(await post(bodyFor(WX), SECRET_Y)).toBe(401);
    expect(await post(bodyFor(WY), SECRET_X)).toBe(401);
    // META_APP_SECRET is not one of the accounts' secrets here: it signs nothing.
    expect(await post(bodyFor(WX), APP_SECRET)).toBe(401);
  });

  it("a body naming two WABAs with different secrets is refused; an unknown WABA needs one of our secrets", async () => {
    expect(await post(bodyFor(WX, WY), SECRET_X)).toBe(401);
    expect(await post(bodyFor(WX, WY), SECRET_Y)).toBe(401);
    // Not ours: kept when one of our secrets signed it (the processor dead-letters it as UNKNOWN_WABA).
    expect(await post(bodyFor("399999999999999"), SECRET_Y)).toBe(200);
    expect(await post(bodyFor("399999999999999"), "someone-else")).toBe(401);
  });

  it("answers as before for a signed non-envelope (400) and an unsigned one (401)", async () => {
    expect(await post("not json", SECRET_X)).toBe(400);
    expect(await post("not json", "someone-else")).toBe(401);
    expect(await post(JSON.stringify({ object: "page", entry: [] }), SECRET_Y)).toBe(400);
  });
});
