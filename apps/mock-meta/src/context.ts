import { randomBytes } from "node:crypto";
import type { CallRecord } from "./call-log.js";
import type { MockLog } from "./options.js";
import type { MockState } from "./state.js";
import type { Webhooks } from "./webhooks/dispatcher.js";

/** Everything a route needs; built once by createMockMeta. */
export interface MockContext {
  readonly state: MockState;
  readonly webhooks: Webhooks;
  readonly newWamid: () => string;
  readonly log: MockLog;
  readonly timers: Set<NodeJS.Timeout>;
}

/** wamids unique across restarts (a process-random prefix), cheap to make (a counter). */
export function createWamidFactory(): () => string {
  const prefix = `HBgL${randomBytes(9).toString("base64url")}`;
  let n = 0;
  return () => {
    n += 1;
    return `wamid.${prefix}${n.toString(36).padStart(8, "0")}`;
  };
}

export const emptyCall = (method: string, path: string, now: number): Omit<CallRecord, "seq"> => ({
  time: now,
  method,
  path,
  phone_number_id: null,
  to: null,
  type: null,
  template_name: null,
  template_language: null,
  biz_opaque_callback_data: null,
  http_status: 200,
  code: null,
  wamid: null,
  body: null,
});
