import { createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of a real service (Postgres, Redis, NATS) so a test can make it unreachable
 * for one process without touching the shared server: `cut()` kills every connection and refuses new
 * ones, `restore()` lets them through again.
 */
export interface TcpProxy {
  readonly port: number;
  /** `target` URL with host:port replaced by the proxy's. */
  url(target: string): string;
  cut(): void;
  restore(): void;
  readonly isCut: boolean;
  readonly connections: number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let cutOff = false;
  const server: Server = createServer((client) => {
    if (cutOff) {
      client.destroy();
      return;
    }
    const upstream = new (client.constructor as typeof Socket)();
    const pair = [client, upstream];
    for (const s of pair) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => {
        sockets.delete(s);
        for (const other of pair) if (other !== s) other.destroy();
      });
    }
    upstream.connect(target.port, target.host);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    url(t: string) {
      const u = new URL(t);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    cut() {
      cutOff = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      cutOff = false;
    },
    get isCut() {
      return cutOff;
    },
    get connections() {
      return sockets.size / 2;
    },
    close() {
      cutOff = true;
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** host and port of a service URL (postgres://, redis://, nats://). */
export function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
}

/** A TCP port free right now on 127.0.0.1, for a child process that must be told its port up front. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("no free port");
  return address.port;
}
