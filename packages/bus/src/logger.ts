type LogFn = (obj: object, msg?: string) => void;

/** The slice of a pino logger the bus needs, so bus does not depend on observability. */
export type BusLogger = { readonly info: LogFn; readonly warn: LogFn; readonly error: LogFn };

const noop: LogFn = () => {};
export const silentLogger: BusLogger = { info: noop, warn: noop, error: noop };
