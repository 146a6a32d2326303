export {
  busNames,
  dropStreams,
  redisPrefix,
  uniqueId,
  TEST_DATABASE_ADMIN_URL,
  TEST_NATS_URL,
  TEST_REDIS_URL,
} from "./names.js";
export { createTestDatabase } from "./database.js";
export type { TestDatabase } from "./database.js";
export { useTestDatabase } from "./hooks.js";
export { freePort, hostPort, startTcpProxy } from "./proxy.js";
export type { TcpProxy } from "./proxy.js";
export { clearRedisPrefix, spawnApp, waitFor, waitForHttp } from "./process.js";
export type { SpawnedApp } from "./process.js";
export { countingRedis } from "./counting-redis.js";
export { TWO_BUSINESSES, twoBusinessesOnMockMeta, writeTwoBusinesses } from "./two-businesses.js";
