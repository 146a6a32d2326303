import { once } from "node:events";
import type { Redis } from "ioredis";

export async function ready(redis: Redis): Promise<Redis> {
  if (redis.status !== "ready") await once(redis, "ready");
  return redis;
}

export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

export function recordingLogger(): {
  log: { info: (o: object, m?: string) => void; warn: (o: object, m?: string) => void };
  lines: { level: "info" | "warn"; msg: string }[];
} {
  const lines: { level: "info" | "warn"; msg: string }[] = [];
  return {
    lines,
    log: {
      info: (_o, m) => lines.push({ level: "info", msg: m ?? "" }),
      warn: (_o, m) => lines.push({ level: "warn", msg: m ?? "" }),
    },
  };
}
