import type { LogLike } from "./logger.js";

/**
 * Routes process warnings (deprecations such as the pg driver's PG_INVALID_DATE, experimental features)
 * through the JSON logger instead of Node's plain-text stderr line, which log shippers cannot parse.
 * Returns an undo that puts Node's own printer back.
 */
export function logProcessWarnings(log: LogLike): () => void {
  const previous = process.listeners("warning");
  process.removeAllListeners("warning");
  const onWarning = (w: Error & { code?: string }): void => {
    log.warn({ warning: { name: w.name, code: w.code, message: w.message } }, "process warning");
  };
  process.on("warning", onWarning);
  return () => {
    process.off("warning", onWarning);
    for (const l of previous) process.on("warning", l);
  };
}
