import { createServer } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { createMockMeta, type MockMeta } from "./app.js";
import type { MockMetaOptions } from "./options.js";

export interface StartOptions extends MockMetaOptions {
  port?: number; // default 8081; 0 picks a free port
  host?: string; // default 127.0.0.1
}

export interface RunningMockMeta {
  readonly url: string; // e.g. http://127.0.0.1:8081, the META_API_BASE_URL for clients
  readonly port: number;
  readonly mock: MockMeta;
  close(): Promise<void>;
}

/** Starts the mock on a real HTTP port; `close()` stops intake, drops keep-alive sockets and the webhook queue. */
export async function startMockMeta(options: StartOptions = {}): Promise<RunningMockMeta> {
  const mock = createMockMeta(options);
  const server = createServer({ keepAliveTimeout: 65_000 }, getRequestListener(mock.app.fetch));
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8081, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    mock,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await mock.close();
    },
  };
}
