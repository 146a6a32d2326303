import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

export type LuaScript = {
  readonly sha: string;
  run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
};

/**
 * EVALSHA in one round trip; on NOSCRIPT (fresh server, SCRIPT FLUSH, failover) fall back to EVAL,
 * which also puts the script back in the server's cache for the next EVALSHA.
 */
export function defineScript(lua: string): LuaScript {
  const sha = createHash("sha1").update(lua).digest("hex");
  return {
    sha,
    async run(redis, keys, args) {
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (err) {
        if (!isNoScript(err)) throw err;
        return redis.eval(lua, keys.length, ...keys, ...args);
      }
    },
  };
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith("NOSCRIPT");
}
