import { pino } from "pino";
import type { DestinationStream, LevelWithSilent, Logger } from "pino";

export type LogLevel = LevelWithSilent;

/** The logger surface packages need; a pino Logger (or a child) satisfies it. */
export type LogLike = Pick<Logger, "debug" | "info" | "warn" | "error">;

export interface LoggerOptions {
  service: string;
  level: LogLevel;
  /** 1 = stdout (default), 2 = stderr (the MCP gateway: stdout is the protocol), or any stream (tests). */
  destination?: 1 | 2 | DestinationStream;
}

const SECRET_KEYS = [
  "access_token",
  "accessToken",
  "META_ACCESS_TOKEN",
  "META_APP_SECRET",
  "WEBHOOK_VERIFY_TOKEN",
  "app_secret",
  "appSecret",
  "verify_token",
  "authorization",
  "password",
  "token",
];
const HEADER_PATHS = ['headers["x-hub-signature-256"]', "headers.cookie"];

// fast-redact wildcards match one level only, so each key is listed at the top level and one level down.
const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`]),
  ...HEADER_PATHS.flatMap((path) => [path, `*.${path}`]),
  "req.headers.authorization",
  'req.headers["x-hub-signature-256"]',
];

/** A pino root logger with `service` on every line; build one in main() and hand out children. */
export function createLogger(opts: LoggerOptions): Logger {
  const dest = opts.destination ?? 1;
  // Synchronous writes: nothing is lost when the process exits or crashes right after a line.
  const stream = typeof dest === "number" ? pino.destination({ fd: dest, sync: true }) : dest;
  return pino(
    {
      level: opts.level,
      base: { service: opts.service },
      redact: { paths: [...REDACT_PATHS], censor: "[redacted]" },
      serializers: { err: pino.stdSerializers.errWithCause },
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
}
