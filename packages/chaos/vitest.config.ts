import { defineConfig } from "vitest/config";

// Each file spawns the real built apps; give them time to start and drain on a busy 2-core machine.
export default defineConfig({
  test: { name: "@wa/chaos", include: ["test/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 60_000 },
});
