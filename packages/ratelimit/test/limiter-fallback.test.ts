import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { createServer, type Server, type Socket } from "node:net";
import { redisPrefix, TEST_REDIS_URL, uniqueId } from "@wa/testkit";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createLimiter, createRedis } from "../src/index.js";
import { deleteKeys, ready, recordingLogger } from "./redis-helpers.js";

const prefix = redisPrefix();
const toClose: (() => Promise<unknown> | void)[] = [];

afterAll(async () => {
  for (const close of toClose.toReversed()) await close();
});

describe("Redis unreachable", () => {
  it("paces with a local bucket sized to the replica's share, never throws, warns once", async () => {
    const down = createRedis("redis://127.0.0.1:1", { commandTimeoutMs: 100 });
    toClose.push(() => down.disconnect());
    let clock = 1_700_000_000_000;
    const { log, lines } = recordingLogger();
    const limiter = createLimiter({
      redis: down,
      keyPrefix: prefix,
      throughputMps: 10,
      replicaShare: 0.5,
      now: () => clock,
      log,
    });
    const pn = uniqueId("pn");

    const results = [];
    for (let i = 0; i < 6; i++) results.push(await limiter.take(pn, `r${i}`));
    expect(results.slice(0, 5).every((r) => r.ok && r.source === "local")).toBe(true);
    expect(results[5]).toEqual({ ok: false, waitMs: 200, source: "local" }); // 5 mps → one token per 200 ms

    clock += 200;
    expect(await limiter.take(pn, "r6")).toEqual({ ok: true, source: "local" });
    expect(await limiter.take(pn, "r0")).toMatchObject({ ok: false, source: "local" }); // pair limit holds locally

    const p = await limiter.peek(pn);
    expect(p).toMatchObject({ capacity_mps: 5, tokens_remaining: 0, pair_limit_secs: 6, source: "local" });
    expect(await limiter.setThroughput(pn, 1000)).toEqual({ source: "local" });
    expect((await limiter.peek(pn)).capacity_mps).toBe(500);
    expect(lines.filter((l) => l.level === "warn")).toHaveLength(1);
  });

  it("fallbackStartsEmpty: the local bucket starts with no token, then refills at the replica's share", async () => {
    const down = createRedis("redis://127.0.0.1:1", { commandTimeoutMs: 100 });
    toClose.push(() => down.disconnect());
    let clock = 1_700_000_000_000;
    const limiter = createLimiter({
      redis: down,
      keyPrefix: prefix,
      throughputMps: 10,
      replicaShare: 0.5,
      fallbackStartsEmpty: true,
      now: () => clock,
    });
    const pn = uniqueId("pn");
    expect(await limiter.take(pn)).toEqual({ ok: false, waitMs: 200, source: "local" });
    clock += 100;
    expect(await limiter.take(pn)).toEqual({ ok: false, waitMs: 100, source: "local" }); // the empty start is kept
    clock += 100;
    expect(await limiter.take(pn)).toEqual({ ok: true, source: "local" });
  });

  it("times out a hung server itself and skips Redis during the cooldown", async () => {
    let received = "";
    const sockets = new Set<Socket>();
    const server: Server = createServer((s) => {
      sockets.add(s);
      s.on("data", (d: Buffer) => {
        const text = d.toString("latin1");
        received += text;
        // Complete ioredis 6's handshake (HELLO, CLIENT SETINFO ×2), then never answer again.
        for (const line of text.split("\r\n")) {
          if (/^hello$/i.test(line)) s.write("-ERR unknown command 'hello'\r\n");
          if (/^setinfo$/i.test(line)) s.write("+OK\r\n");
        }
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as { port: number }).port;
    // A client without our defaults: no command timeout, an offline queue, no ready check.
    const hung = new Redis({ port, host: "127.0.0.1", enableReadyCheck: false, maxRetriesPerRequest: null });
    hung.on("error", () => {});
    toClose.push(() => {
      hung.disconnect();
      for (const s of sockets) s.destroy();
      server.close();
    });
    let clock = 1_700_000_000_000;
    const limiter = createLimiter({ redis: hung, redisTimeoutMs: 100, redisCooldownMs: 5000, now: () => clock });
    const evalshaSent = async (): Promise<number> => {
      await sleep(50);
      return received.split(/evalsha/i).length - 1;
    };

    expect(await limiter.take("pn", "r")).toEqual({ ok: true, source: "local" });
    expect(await evalshaSent()).toBe(1);
    expect(await limiter.take("pn", "s")).toEqual({ ok: true, source: "local" });
    expect(await evalshaSent()).toBe(1); // in the cooldown: Redis not asked
    clock += 5000;
    expect(await limiter.take("pn", "t")).toEqual({ ok: true, source: "local" });
    expect(await evalshaSent()).toBe(2);
  });
});

describe("Redis comes back", () => {
  it("switches to local while disconnected and back to Redis when ready, logging each transition once", async () => {
    const redis = await ready(createRedis(TEST_REDIS_URL));
    toClose.push(async () => {
      await deleteKeys(redis, prefix);
      await redis.quit();
    });
    const { log, lines } = recordingLogger();
    const limiter = createLimiter({ redis, keyPrefix: prefix, log });
    const pn = uniqueId("pn");

    expect((await limiter.take(pn)).source).toBe("redis");
    const back = once(redis, "ready");
    redis.disconnect(true); // drop the socket; ioredis reconnects in the background
    expect((await limiter.take(pn)).source).toBe("local");
    expect((await limiter.take(pn)).source).toBe("local");
    await back;
    expect((await limiter.take(pn)).source).toBe("redis");
    expect((await limiter.take(pn)).source).toBe("redis");
    expect(lines.map((l) => l.level)).toEqual(["warn", "info"]);
  });
});
