import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockMeta, type RunningMockMeta } from "@wa/mock-meta";
import { afterAll, beforeAll, expect, it } from "vitest";
import { doctorTargets, runDoctor } from "../src/index.js";

// With accounts.yaml the doctor checks every number with its own WABA's token and app secret.
let meta: RunningMockMeta;
const accounts = [
  {
    wabaId: "510000000000001",
    token: "doc-token-x",
    appSecret: "doc-secret-x",
    numbers: [{ phoneNumberId: "511000000000001" }, { phoneNumberId: "511000000000002" }],
  },
  {
    wabaId: "520000000000001",
    token: "doc-token-y",
    appSecret: "doc-secret-y",
    numbers: [{ phoneNumberId: "521000000000001" }],
  },
];
const YAML = `
businesses:
  - id: x
    wabas:
      - id: "510000000000001"
        token: { env: DOC_TOKEN_X }
        app_secret: { env: DOC_SECRET_X }
        numbers: [{ id: "511000000000001", default: true }, { id: "511000000000002" }]
  - id: y
    wabas:
      - id: "520000000000001"
        token: { file: token-y }
        app_secret: { env: DOC_SECRET_Y }
        numbers: [{ id: "521000000000001" }]
`;

beforeAll(async () => {
  meta = await startMockMeta({ port: 0, accounts });
});
afterAll(async () => {
  await meta.close();
});

it("checks every number of accounts.yaml with its WABA's token and secret; a missing secret is named, not shown", async () => {
  const dir = mkdtempSync(join(tmpdir(), "wa-doctor-"));
  writeFileSync(join(dir, "accounts.yaml"), YAML);
  writeFileSync(join(dir, "token-y"), "doc-token-y\n");
  const cfg = {
    META_API_BASE_URL: meta.url,
    META_API_VERSION: "v25.0",
    META_ACCESS_TOKEN: "unused",
    META_TIMEOUT_MS: 5000,
    META_PHONE_NUMBER_ID: "1",
    META_WABA_ID: "1",
    ACCOUNTS_FILE: join(dir, "accounts.yaml"),
  };
  const env = { DOC_TOKEN_X: "doc-token-x", DOC_SECRET_X: "doc-secret-x", DOC_SECRET_Y: "doc-secret-y" };
  const targets = doctorTargets(cfg, env);
  expect(targets.map((t) => t.label)).toEqual([
    "business x, WABA 510000000000001, number 511000000000001",
    "business x, WABA 510000000000001, number 511000000000002",
    "business y, WABA 520000000000001, number 521000000000001",
  ]);
  for (const { target } of targets) {
    const report = await runDoctor(target, null);
    const status = Object.fromEntries(report.checks.map((c) => [c.name, c.status]));
    expect(status).toMatchObject({
      "access token": "ok",
      "app secret": "ok",
      "phone number": "ok",
      "business account": "ok",
    });
  }
  expect(() => doctorTargets(cfg, { ...env, DOC_SECRET_Y: "" })).toThrow(
    "WABA 520000000000001 app_secret: environment variable DOC_SECRET_Y is not set",
  );
  // without the file: the META_* variables' one number
  expect(doctorTargets({ ...cfg, ACCOUNTS_FILE: join(dir, "none.yaml") }, env)).toEqual([
    expect.objectContaining({
      label: "WABA 1",
      target: expect.objectContaining({ phoneNumberId: "1", accessToken: "unused" }),
    }),
  ]);
});
