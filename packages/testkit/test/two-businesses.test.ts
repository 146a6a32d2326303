import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect, it } from "vitest";
import { TWO_BUSINESSES, twoBusinessesOnMockMeta, writeTwoBusinesses } from "../src/index.js";

// The file and mock-meta's accounts must describe the same WABAs and numbers, or a test would see Meta refuse a
// number the gateway believes it serves.
it("accounts.yaml and mock-meta's accounts hold the same WABAs, numbers and secrets", () => {
  const yaml = readFileSync(writeTwoBusinesses(), "utf8");
  const [x, y] = twoBusinessesOnMockMeta();
  for (const waba of [x, y]) {
    expect(yaml).toContain(`id: "${waba.wabaId}"`);
    for (const n of waba.numbers) expect(yaml).toContain(`id: "${n.phoneNumberId}"`);
  }
  expect([x.token, x.appSecret, y.token, y.appSecret]).toEqual(Object.values(TWO_BUSINESSES.env));
  expect(x.numbers.map((n) => n.displayPhoneNumber)).toEqual(["15550200001", "15550200002"]);
  expect(yaml).toContain("token: { env: X_TOKEN }");
});

it('with tokens: "file" the tokens are files beside accounts.yaml', () => {
  const file = writeTwoBusinesses({ tokens: "file" });
  expect(readFileSync(file, "utf8")).toContain("token: { file: y-token }");
  expect(readFileSync(join(dirname(file), "y-token"), "utf8").trim()).toBe(TWO_BUSINESSES.env.Y_TOKEN);
  expect(existsSync(join(dirname(file), "x-token"))).toBe(true);
});
