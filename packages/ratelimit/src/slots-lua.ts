import { defineScript } from "./script.js";

// An entry at time t counts while now < t + window, so entries with score <= now - window are gone.
// The `seeded` marker says the set was built (from Postgres or as empty); its TTL trails the newest entry.
const TRIM = `local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)`;

/**
 * KEYS: slots zset, seeded marker. ARGV: now ms, window ms, cap, slot id, auto-seed (1 = missing means empty).
 * Returns {-1} when unseeded, {1, count} when held (new or already held), {0, count, resetsAt}.
 */
export const reserveScript = defineScript(`${TRIM}
if redis.call('EXISTS', KEYS[2]) == 0 then
  if ARGV[5] ~= '1' then return {-1} end
  redis.call('SET', KEYS[2], '1', 'PX', window)
end
local count = redis.call('ZCARD', KEYS[1])
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then return {1, count} end
local cap = tonumber(ARGV[3])
if count >= cap then
  local nth = redis.call('ZRANGE', KEYS[1], count - cap, count - cap, 'WITHSCORES')
  return {0, count, tonumber(nth[2]) + window}
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
redis.call('SET', KEYS[2], '1', 'PX', window)
return {1, count + 1}`);

/** KEYS: slots zset. ARGV: slot id. Returns 1 when a held slot was freed. */
export const releaseScript = defineScript(`return redis.call('ZREM', KEYS[1], ARGV[1])`);

/** KEYS: slots zset, seeded marker. ARGV: now, window. Returns {seeded 0/1, count, oldest ms or -1}. */
export const countScript = defineScript(`${TRIM}
local seeded = redis.call('EXISTS', KEYS[2])
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {seeded, redis.call('ZCARD', KEYS[1]), tonumber(oldest[2] or -1)}`);

/**
 * KEYS: slots zset, seeded marker. ARGV: now, window, then slot id / at ms pairs.
 * Merges (ZADD NX): a reservation made since the Postgres read is kept. Returns the count.
 */
export const seedScript = defineScript(`${TRIM}
local newest = 0
for i = 3, #ARGV, 2 do
  local at = tonumber(ARGV[i + 1])
  if at > now - window then
    redis.call('ZADD', KEYS[1], 'NX', at, ARGV[i])
    newest = math.max(newest, at)
  end
end
local ttl = redis.call('PTTL', KEYS[1])
local keep = newest + window - now
if keep > 0 and ttl < keep then redis.call('PEXPIRE', KEYS[1], math.ceil(keep)) end
local marker = redis.call('PTTL', KEYS[2])
if marker < window then redis.call('SET', KEYS[2], '1', 'PX', window) end
return redis.call('ZCARD', KEYS[1])`);
