import type { IncomingMessage, Server } from "node:http";
import { serve } from "@hono/node-server";

export interface Listening {
  readonly server: Server;
  readonly port: number;
}

// Control characters (tab aside) that the strict parser refuses and the Fetch Headers class throws on.
// oxlint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** Drops the header fields whose value holds a control character: ignored, as if never sent. */
function dropControlHeaders(req: IncomingMessage): void {
  const raw = req.rawHeaders;
  if (!raw.some((v, i) => i % 2 === 1 && CONTROL.test(v))) return;
  const kept: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (CONTROL.test(raw[i + 1]!)) delete req.headers[raw[i]!.toLowerCase()];
    else kept.push(raw[i]!, raw[i + 1]!);
  }
  raw.splice(0, raw.length, ...kept);
}

/**
 * Serves the receiver over HTTP/1.1. Node's strict parser answers 400 to the whole request when any header
 * value holds a control character (a proxy's request id, say), and Meta's webhook would be lost: the lenient
 * parser lets it through and such a header is dropped before the app sees it. The one framing ambiguity that
 * leniency adds (Transfer-Encoding with Content-Length) is refused by the app.
 */
export function serveReceiver(
  fetch: (req: Request) => Response | Promise<Response>,
  port: number,
  hostname: string,
): Promise<Listening> {
  return new Promise((resolve) => {
    // Keep-alive longer than a load balancer's idle timeout (60 s on most): with Node's 5 s default a busy
    // receiver closes idle sockets just as the next request arrives on them (ECONNRESET, seen under a flood).
    const s = serve({ fetch, port, hostname, serverOptions: { insecureHTTPParser: true } }, () => {
      const address = server.address();
      resolve({ server, port: typeof address === "object" && address ? address.port : port });
    });
    const server = s as Server;
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.prependListener("request", dropControlHeaders);
  });
}
