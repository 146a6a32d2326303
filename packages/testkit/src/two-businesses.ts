import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The accounts layout of the many-numbers tests (issue 15): business x, the default (channel `whatsapp`), has
 * WABA WX with numbers A (the default number) and B; business y (channel `whatsapp:y`) has WABA WY with number C.
 * Each WABA has its own token and app secret, so a test can tell which one a call used.
 */
export const TWO_BUSINESSES = {
  WX: "300000000000001",
  WY: "300000000000002",
  A: "310000000000001",
  B: "310000000000002",
  C: "320000000000001",
  /** As accounts.yaml writes them; Meta's webhooks carry the digits alone (`15550200001`). */
  display: { A: "+1 555 020 0001", B: "+1 555 020 0002", C: "+1 555 020 0003" },
  /** The secrets, under the variables accounts.yaml names (with `tokens: "file"`, the tokens are files instead). */
  env: { X_TOKEN: "token-x", X_SECRET: "secret-x", Y_TOKEN: "token-y", Y_SECRET: "secret-y" },
} as const;

const { WX, WY, A, B, C, display, env } = TWO_BUSINESSES;

/**
 * Writes the layout's accounts.yaml into a new temp dir and returns its path. Tokens come from X_TOKEN and
 * Y_TOKEN, or with `tokens: "file"` from x-token and y-token written beside it (for an app run in this process,
 * which reads variables from process.env, not from the env a test gives it); app secrets from X_SECRET, Y_SECRET.
 */
export function writeTwoBusinesses(opts: { tokens?: "env" | "file" } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "wa-two-businesses-"));
  const token = (b: "x" | "y") =>
    opts.tokens === "file" ? `{ file: ${b}-token }` : `{ env: ${b.toUpperCase()}_TOKEN }`;
  if (opts.tokens === "file") {
    writeFileSync(join(dir, "x-token"), `${env.X_TOKEN}\n`);
    writeFileSync(join(dir, "y-token"), `${env.Y_TOKEN}\n`);
  }
  const file = join(dir, "accounts.yaml");
  writeFileSync(
    file,
    `
businesses:
  - id: x
    default: true
    wabas:
      - id: "${WX}"
        token: ${token("x")}
        app_secret: { env: X_SECRET }
        numbers:
          - { id: "${A}", display: "${display.A}", default: true }
          - { id: "${B}", display: "${display.B}" }
  - id: y
    wabas:
      - id: "${WY}"
        token: ${token("y")}
        app_secret: { env: Y_SECRET }
        numbers:
          - { id: "${C}", display: "${display.C}" }
`,
  );
  return file;
}

const digits = (s: string) => s.replace(/\D/g, "");

/** One WABA in the shape of mock-meta's `accounts` option (testkit does not depend on mock-meta). */
interface MockMetaWaba {
  wabaId: string;
  token: string;
  appSecret: string;
  numbers: { phoneNumberId: string; displayPhoneNumber: string }[];
}

/** The same WABAs, numbers, tokens and app secrets as mock-meta's `accounts`: [x's WABA, y's WABA]. */
export function twoBusinessesOnMockMeta(): [MockMetaWaba, MockMetaWaba] {
  return [
    {
      wabaId: WX,
      token: env.X_TOKEN,
      appSecret: env.X_SECRET,
      numbers: [
        { phoneNumberId: A, displayPhoneNumber: digits(display.A) },
        { phoneNumberId: B, displayPhoneNumber: digits(display.B) },
      ],
    },
    {
      wabaId: WY,
      token: env.Y_TOKEN,
      appSecret: env.Y_SECRET,
      numbers: [{ phoneNumberId: C, displayPhoneNumber: digits(display.C) }],
    },
  ];
}
