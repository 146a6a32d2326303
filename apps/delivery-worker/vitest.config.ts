import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "@wa/delivery-worker",
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One file at a time: multi-number.test.ts measures real-time pacing against mock-meta's buckets (zero 130429),
    // which a 2,000-message burst of another file on the same 2 cores would turn into a measure of the machine.
    fileParallelism: false,
  },
});
