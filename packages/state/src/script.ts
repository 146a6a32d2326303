import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

export interface LuaScript {
  run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
}

/** EVALSHA, falling back to EVAL on NOSCRIPT (fresh server, SCRIPT FLUSH), which also reloads it. */
function defineScript(lua: string): LuaScript {
  const sha = createHash("sha1").update(lua).digest("hex");
  return {
    async run(redis, keys, args) {
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (err) {
        if (!(err instanceof Error && err.message.startsWith("NOSCRIPT"))) throw err;
        return redis.eval(lua, keys.length, ...keys, ...args);
      }
    },
  };
}

// Values start with {"v":<version>; a write older than what is cached is dropped, so racing
// writers (two processes, or a reader filling a miss) can never put stale data back.
export const setIfNewer = defineScript(`
local cur = redis.call('GET', KEYS[1])
if cur then
  local v = tonumber(string.match(cur, '^{"v":(%d+)'))
  if v and v > tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1`);

// mergeSlots for many customers in one call (a batch send's page): KEYS = freq, seeded per customer; ARGV =
// cutoff, window ms, now, seeded ttl ms, then per customer its entry count and (score, slot id) pairs.
export const mergeSlotsMany = defineScript(`
local a = 5
for k = 1, #KEYS, 2 do
  local n = tonumber(ARGV[a])
  a = a + 1
  for j = 1, n do
    redis.call('ZADD', KEYS[k], ARGV[a], ARGV[a + 1])
    a = a + 2
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', ARGV[1])
  redis.call('PEXPIRE', KEYS[k], ARGV[2])
  redis.call('SET', KEYS[k + 1], ARGV[3], 'PX', ARGV[4])
end
return 1`);
