export { createLimiter } from "./limiter.js";
export type { Limiter } from "./limiter.js";
export type { TakeResult } from "./types.js";
export { createRedis } from "./redis.js";
