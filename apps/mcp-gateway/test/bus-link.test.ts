import { afterAll, describe, expect, it } from "vitest";
import { busNames, TEST_NATS_URL } from "@wa/testkit";
import { createLogger } from "@wa/observability";
import type { Bus } from "@wa/bus";
import { createBusLink } from "../src/bus-link.js";

const log = createLogger({ service: "bus-link-test", level: "silent", destination: 2 });
const links: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const l of links) await l.close();
});

describe("bus link (issue 14 item 11)", () => {
  it("closes the connection whose topology check threw before it retries, so no connection leaks", async () => {
    const checked: Bus[] = [];
    const link = createBusLink({
      url: TEST_NATS_URL,
      names: busNames(),
      log,
      retryMs: 20,
      onConnect: async (bus) => {
        checked.push(bus);
        if (checked.length < 3) throw new Error("topology check failed");
      },
    });
    links.push(link);
    await expect.poll(() => link.js() !== null, { timeout: 10_000 }).toBe(true);
    expect(checked).toHaveLength(3);
    // The two failed attempts' connections are closed; only the accepted one stays open.
    await expect.poll(() => checked.map((b) => b.nc.isClosed()), { timeout: 5_000 }).toEqual([true, true, false]);
  });
});
