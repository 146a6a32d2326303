import {
  campaignWorkerEnv,
  consoleEnv,
  deliveryWorkerEnv,
  mcpGatewayEnv,
  mockMetaEnv,
  schedulerEnv,
  webhookProcessorEnv,
  webhookReceiverEnv,
} from "@wa/config";
import { z } from "zod";

// The deployable processes and the @wa/config schema each one loads.
export const APP_SCHEMAS = {
  "mcp-gateway": mcpGatewayEnv,
  "webhook-receiver": webhookReceiverEnv,
  "webhook-processor": webhookProcessorEnv,
  "delivery-worker": deliveryWorkerEnv,
  "campaign-worker": campaignWorkerEnv,
  scheduler: schedulerEnv,
  console: consoleEnv,
  "mock-meta": mockMetaEnv,
} as const;

export type AppName = keyof typeof APP_SCHEMAS;

export const APP_NAMES = Object.keys(APP_SCHEMAS) as AppName[];

function isAppName(name: string): name is AppName {
  return Object.hasOwn(APP_SCHEMAS, name);
}

/** The environment variable names an app's schema reads (the object's keys, read at run time). */
export function envNamesOf(app: AppName): ReadonlySet<string> {
  const schema: unknown = APP_SCHEMAS[app];
  if (!(schema instanceof z.ZodObject)) throw new Error(`schema of ${app} is not a zod object`);
  return new Set(Object.keys(schema.shape));
}

/** Which app a container runs: the image's last path segment (wa-gateway/<app>, or a compose build arg APP). */
export function appOf(imageOrApp: string): AppName | undefined {
  const last = imageOrApp.split("/").pop() ?? "";
  const name = last.split(/[:@]/)[0] ?? "";
  return isAppName(name) ? name : undefined;
}

/** Names in `names` that the app's schema does not define, as "NAME (where)" lines. */
export function unknownEnvNames(app: AppName, names: Iterable<string>, where: string): string[] {
  const known = envNamesOf(app);
  return [...names].filter((n) => !known.has(n)).map((n) => `${where}: ${n} is not in the ${app} config schema`);
}
