import { hostPort, startTcpProxy, type TcpProxy } from "@wa/testkit";
import { type RunningApp, type Stack, startStack } from "./stack.js";

/** A stack whose delivery workers reach Postgres through their own proxy: cut it, and only they lose it. */
export interface WorkerPgStack {
  readonly stack: Stack;
  readonly workerPg: TcpProxy;
  /** Starts a delivery worker (200 mps, pause probe every 2 s) behind the workers' proxy. */
  worker(env?: Record<string, string>): Promise<RunningApp>;
  close(): Promise<void>;
}

export async function startWorkerPgStack(): Promise<WorkerPgStack> {
  const stack = await startStack();
  await stack.mock("/_mock/throughput", { mps: 200 });
  // The workers pace each number from phone_numbers.throughput_mps (THROUGHPUT_MPS only covers a number without a row).
  await stack.db.updateTable("phone_numbers").set({ throughput_mps: 200 }).execute();
  const workerPg = await startTcpProxy(hostPort(stack.databaseUrl));
  await stack.start("webhook-receiver");
  await stack.start("webhook-processor", { INBOX_DRAIN_MS: "300" });
  await stack.start("scheduler", {
    RECONCILE_EVERY_MS: "300",
    STUCK_QUEUED_SECS: "2",
    STUCK_SENDING_SECS: "5",
    // Longer than the 90 s cut, as the default (600 s) is longer than the outages it rides out: a row whose
    // `meta_call_at` stamp committed just as the link died (answer lost, so its worker never called Meta) is
    // given back by that worker once Postgres returns; a shorter wait would judge it SEND_UNCONFIRMED first.
    MAYBE_SENT_WAIT_SECS: "120",
  });
  return {
    stack,
    workerPg,
    worker: (env = {}) =>
      stack.start("delivery-worker", {
        THROUGHPUT_MPS: "200",
        DATABASE_URL: workerPg.url(stack.databaseUrl),
        SENDING_PROBE_SECS: "2",
        ...env,
      }),
    close: async () => {
      await stack.close();
      await workerPg.close();
    },
  };
}
