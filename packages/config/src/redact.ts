const SECRET_KEYS = new Set(["META_ACCESS_TOKEN", "META_APP_SECRET", "WEBHOOK_VERIFY_TOKEN"]);
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD)$/;
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:)[^/?#@]*@/i;

export const REDACTED = "[redacted]";

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key) || SECRET_NAME.test(key);
}

/** Replaces the password part of `scheme://user:password@host` URLs. */
export function redactUrl(value: string): string {
  return value.replace(URL_PASSWORD, `$1${REDACTED}@`);
}

/** A copy of a config that is safe to log: secrets and URL passwords become "[redacted]". */
export function redactConfig(cfg: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(cfg)) {
    if (isSecretKey(key) && value !== undefined) out[key] = REDACTED;
    else if (typeof value === "string") out[key] = redactUrl(value);
    else out[key] = value;
  }
  return out;
}
