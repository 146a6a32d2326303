import { once } from "node:events";
import { Redis } from "ioredis";
import { afterAll, expect, it } from "vitest";
import { hostPort, startTcpProxy, TEST_REDIS_URL } from "../src/index.js";

const proxy = await startTcpProxy(hostPort(TEST_REDIS_URL));
afterAll(() => proxy.close());

it("passes traffic through, refuses it while cut, and lets it through again after restore", async () => {
  const redis = new Redis(proxy.url(TEST_REDIS_URL), {
    maxRetriesPerRequest: 0,
    retryStrategy: () => 50,
    lazyConnect: true,
  });
  redis.on("error", () => {});
  await redis.connect();
  expect(await redis.ping()).toBe("PONG");
  expect(proxy.connections).toBe(1);

  proxy.cut();
  await expect(redis.ping()).rejects.toThrow();
  expect(proxy.isCut).toBe(true);

  proxy.restore();
  if (redis.status !== "ready") await once(redis, "ready");
  expect(await redis.ping()).toBe("PONG");
  redis.disconnect();
});
