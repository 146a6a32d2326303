import { defineScript } from "./script.js";

// Server TIME keeps every replica on one clock. Redis >= 5 replicates scripts by effects (7 only so),
// so a script may read TIME before writing. Returns milliseconds with a fraction.
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000`;

// A number bucket holds one second of throughput; the effective mps is the stored override, else the default.
const NUMBER_STATE = `local mps = tonumber(redis.call('GET', KEYS[2]) or '') or tonumber(ARGV[1])
if mps <= 0 then mps = tonumber(ARGV[1]) end
local rate = mps / 1000
local n = redis.call('HMGET', KEYS[1], 't', 'ts', 'w', 'u')
local tokens = tonumber(n[1]) or mps
local ts = tonumber(n[2]) or now
tokens = math.min(mps, tokens + math.max(0, now - ts) * rate)`;

/**
 * Takes the tokens of one or more messages of one number, in order, each as if taken alone: both its tokens (the
 * number's and its pair's) or neither. KEYS: number bucket, number mps override, then each distinct pair bucket.
 * ARGV: default mps, pair interval ms, pair burst, then for each message the KEYS index of its pair bucket (0:
 * none). Returns one wait per message: 0 = both tokens taken, else the ms until they could be.
 */
export const takeScript = defineScript(`${NOW}
${NUMBER_STATE}
local pcap = tonumber(ARGV[3])
local prate = 1 / tonumber(ARGV[2])
local pb, spent, out, granted = {}, {}, {}, 0
for i = 4, #ARGV do
  local k = tonumber(ARGV[i])
  local wait = 0
  if tokens < 1 then wait = (1 - tokens) / rate end
  if k > 0 and pb[k] == nil then
    local p = redis.call('HMGET', KEYS[k], 't', 'ts')
    local pts = tonumber(p[2]) or now
    pb[k] = math.min(pcap, (tonumber(p[1]) or pcap) + math.max(0, now - pts) * prate)
  end
  if k > 0 and pb[k] < 1 then wait = math.max(wait, (1 - pb[k]) / prate) end
  if wait > 0 then
    out[#out + 1] = math.max(1, math.ceil(wait))
  else
    out[#out + 1] = 0
    tokens = tokens - 1
    granted = granted + 1
    if k > 0 then
      pb[k] = pb[k] - 1
      spent[k] = true
    end
  end
end
if granted > 0 then
  local sec = math.floor(now / 1000)
  local used = 0
  if tonumber(n[3]) == sec then used = tonumber(n[4]) or 0 end
  redis.call('HSET', KEYS[1], 't', string.format('%.6f', tokens), 'ts', string.format('%.3f', now), 'w', sec, 'u', used + granted)
  redis.call('PEXPIRE', KEYS[1], 2000)
end
for k in pairs(spent) do
  redis.call('HSET', KEYS[k], 't', string.format('%.6f', pb[k]), 'ts', string.format('%.3f', now))
  redis.call('PEXPIRE', KEYS[k], math.ceil(pcap / prate) + 1000)
end
return out`);

/**
 * KEYS: number bucket, number mps override. ARGV: default mps. Read-only.
 * Returns {mps, tokens, used this second, last update ms or '', now ms} as strings (Lua floats truncate).
 */
export const peekScript = defineScript(`${NOW}
${NUMBER_STATE}
local used = 0
if tonumber(n[3]) == math.floor(now / 1000) then used = tonumber(n[4]) or 0 end
return {tostring(mps), string.format('%.6f', tokens), tostring(used), n[2] or '', string.format('%.3f', now)}`);
