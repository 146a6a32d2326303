import { afterAll, beforeAll } from "vitest";
import { createTestDatabase, type TestDatabase } from "./database.js";

/**
 * Registers beforeAll/afterAll for a fresh database in this test file.
 * Call at the top level of a test file; read `.url` inside tests or hooks.
 */
export function useTestDatabase(): { readonly url: string; readonly name: string } {
  let current: TestDatabase | undefined;
  beforeAll(async () => {
    current = await createTestDatabase();
  });
  afterAll(async () => {
    await current?.drop();
  });
  return {
    get url() {
      if (!current) throw new Error("useTestDatabase(): read .url inside a test or hook");
      return current.url;
    },
    get name() {
      if (!current) throw new Error("useTestDatabase(): read .name inside a test or hook");
      return current.name;
    },
  };
}
