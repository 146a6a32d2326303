const SECRET_KEYS = new Set(["META_ACCESS_TOKEN", "META_APP_SECRET", "WEBHOOK_VERIFY_TOKEN"]);
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD)$/;
// The whole user-info part of any URL in the string: a token is often the user name (https://<token>@host).
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]+@/gi;

const REDACTED = "[redacted]";

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key) || SECRET_NAME.test(key);
}

/** Replaces the user-info part (`user`, `user:password`, `:password`) of every `scheme://…@host` URL in `value`. */
export function redactUrl(value: string): string {
  return value.replace(URL_USERINFO, `$1${REDACTED}@`);
}

/** A copy of a config that is safe to log: secrets and URL user-info become "[redacted]". */
export function redactConfig(cfg: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(cfg)) {
    if (isSecretKey(key) && value !== undefined) out[key] = REDACTED;
    else if (typeof value === "string") out[key] = redactUrl(value);
    else out[key] = value;
  }
  return out;
}
