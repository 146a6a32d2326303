import { defineConfig } from "vitest/config";

export default defineConfig({ test: { name: "@wa/coalesce", include: ["test/**/*.test.ts"] } });
