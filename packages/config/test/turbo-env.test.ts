// turbo only passes the env vars a task lists; an app variable missing from turbo.json silently reads its default.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as config from "../src/index.js";

const turbo = JSON.parse(readFileSync(new URL("../../../turbo.json", import.meta.url), "utf8")) as {
  globalEnv?: string[];
  tasks: Record<string, { env?: string[] }>;
};

function listed(task: string): (name: string) => boolean {
  const patterns = [...(turbo.globalEnv ?? []), ...(turbo.tasks[task]?.env ?? [])];
  return (name) => patterns.some((p) => (p.endsWith("*") ? name.startsWith(p.slice(0, -1)) : p === name));
}

const schemas = {
  mcpGatewayEnv: config.mcpGatewayEnv,
  webhookReceiverEnv: config.webhookReceiverEnv,
  webhookProcessorEnv: config.webhookProcessorEnv,
  deliveryWorkerEnv: config.deliveryWorkerEnv,
  campaignWorkerEnv: config.campaignWorkerEnv,
  schedulerEnv: config.schedulerEnv,
  mockMetaEnv: config.mockMetaEnv,
  consoleEnv: config.consoleEnv,
  doctorEnv: config.doctorEnv,
};

describe("turbo.json lists every variable the apps read", () => {
  for (const [name, schema] of Object.entries(schemas)) {
    it(`test task sees every ${name} variable`, () => {
      const isListed = listed("test");
      const missing = Object.keys(schema.shape).filter((key) => !isListed(key));
      expect(missing).toEqual([]);
    });
  }
});
