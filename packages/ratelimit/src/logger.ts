type LogFn = (obj: object, msg?: string) => void;

/** The slice of a pino logger this package needs, so it does not depend on observability. */
export type RateLimitLogger = { readonly info: LogFn; readonly warn: LogFn };

const noop: LogFn = () => {};
export const silentLogger: RateLimitLogger = { info: noop, warn: noop };
