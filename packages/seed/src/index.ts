export { seedDemo } from "./seed.js";
export type { DemoData, SeedOptions } from "./seed.js";
