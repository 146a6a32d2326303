// The dev/test environment every app gets from `npm start` / `npm test`; real env and .env override it.
import { existsSync, readFileSync } from "node:fs";

export const DEV_ENV = {
  DATABASE_URL: "postgres://postgres@127.0.0.1:5432/wa_gateway",
  REDIS_URL: "redis://127.0.0.1:6379",
  NATS_URL: "nats://127.0.0.1:4222",
  META_API_BASE_URL: "http://127.0.0.1:8081",
  META_API_VERSION: "v25.0",
  META_ACCESS_TOKEN: "mock-token",
  META_PHONE_NUMBER_ID: "100000000000001",
  META_WABA_ID: "200000000000001",
  META_APP_SECRET: "mock-app-secret",
  WEBHOOK_VERIFY_TOKEN: "dev-verify-token",
  WEBHOOK_TARGET_URL: "http://127.0.0.1:8080/webhook",
  LOG_LEVEL: "info",
  TURBO_TELEMETRY_DISABLED: "1",
};

function readDotEnv(file) {
  if (!existsSync(file)) return {};
  const out = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]] = m[2].replace(/^(['"])(.*)\1$/, "$2");
  }
  return out;
}

/** DEV_ENV < .env < the real environment. */
export function resolveEnv(root) {
  const env = { ...DEV_ENV, ...readDotEnv(`${root}/.env`) };
  for (const key of Object.keys(env)) if (process.env[key]) env[key] = process.env[key];
  return env;
}
