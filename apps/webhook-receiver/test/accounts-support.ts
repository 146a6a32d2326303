// The two businesses of the accounts tests: X (WABA WX, numbers A and B) and Y (WABA WY, number C), each WABA
// with its own app secret.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const WX = "300000000000001";
export const WY = "300000000000002";
export const A = "310000000000001";
export const B = "310000000000002";
export const C = "320000000000001";
export const SECRET_X = "app-secret-of-x";
export const SECRET_Y = "app-secret-of-y";

/** accounts.yaml of the two businesses in a temp dir; secrets from X_SECRET / Y_SECRET, tokens from X_TOKEN / Y_TOKEN. */
export function accountsFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "wa-receiver-accounts-"));
  const file = join(dir, "accounts.yaml");
  writeFileSync(
    file,
    `
businesses:
  - id: x
    default: true
    wabas:
      - id: "${WX}"
        token: { env: X_TOKEN }
        app_secret: { env: X_SECRET }
        numbers:
          - { id: "${A}", display: "+1 555 020 0001", default: true }
          - { id: "${B}", display: "+1 555 020 0002" }
  - id: y
    wabas:
      - id: "${WY}"
        token: { env: Y_TOKEN }
        app_secret: { env: Y_SECRET }
        numbers:
          - { id: "${C}", display: "+1 555 020 0003" }
`,
  );
  return file;
}
export const ACCOUNT_ENV = { X_TOKEN: "token-x", Y_TOKEN: "token-y", X_SECRET: SECRET_X, Y_SECRET: SECRET_Y };

export const bodyFor = (...wabas: string[]): string =>
  JSON.stringify({
    object: "whatsapp_business_account",
    entry: wabas.map((id) => ({
      id,
      changes: [{ field: "account_update", value: { event: "ACCOUNT_UPDATE", phone_number: "15550200001" } }],
    })),
  });
