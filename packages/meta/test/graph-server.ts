import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

// A tiny Graph API double for the client tests: real HTTP on 127.0.0.1:0, Graph-shaped bodies.

export const TOKEN = "EAAG-test-token-5f2c9d1e";
export const PHONE_ID = "106540352242922";
export const WABA_ID = "102290129340398";

interface Scripted {
  status?: number;
  body?: unknown; // JSON-encoded unless `raw` is set
  raw?: string;
  delayMs?: number;
}

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export interface GraphServer {
  url: string;
  requests: Recorded[];
  script: Scripted[]; // next answers, first in first out; empty → the default behaviour
  close(): Promise<void>;
}

export function graphError(code: number, message: string, extra: Record<string, unknown> = {}): unknown {
  return {
    error: { message: `(#${code}) ${message}`, type: "OAuthException", code, fbtrace_id: "AbCdEf123", ...extra },
  };
}

const TEMPLATES = Array.from({ length: 5 }, (_, i) => ({
  id: String(9000 + i),
  name: `tpl_${i}`,
  language: "en_US",
  status: i === 4 ? "PAUSED" : "APPROVED",
  category: "UTILITY",
  components: [{ type: "BODY", text: "Hello {{1}}" }],
  parameter_format: "POSITIONAL",
  quality_score: { score: "GREEN", date: 1700000000 },
}));

function defaults(method: string, path: string, query: URLSearchParams, body: unknown): Scripted {
  const parts = path.split("/").filter(Boolean); // [version, ...]
  const [, first, second] = parts;
  if (method === "POST" && first === PHONE_ID && second === "messages") {
    const to = (body as { to?: string }).to ?? "";
    return {
      body: {
        messaging_product: "whatsapp",
        contacts: [{ input: to, wa_id: to.replace("+", "") }],
        messages: [{ id: `wamid.${Date.now()}` }],
      },
    };
  }
  if (method === "GET" && first === WABA_ID && second === "message_templates") {
    const start = Number(query.get("after") ?? "0");
    const limit = Number(query.get("limit") ?? "2");
    const end = Math.min(start + limit, TEMPLATES.length);
    const paging: Record<string, unknown> = { cursors: { before: String(start), after: String(end) } };
    if (end < TEMPLATES.length)
      paging.next = `https://graph.facebook.com/v25.0/${WABA_ID}/message_templates?after=${end}`;
    return { body: { data: TEMPLATES.slice(start, end), paging } };
  }
  if (method === "POST" && first === WABA_ID && second === "message_templates") {
    return { body: { id: "594425479261596", status: "PENDING", category: (body as { category?: string }).category } };
  }
  if (method === "GET" && first === PHONE_ID && second === undefined) {
    return {
      body: {
        id: PHONE_ID,
        verified_name: "Acme",
        display_phone_number: "+1 555-078-3881",
        quality_rating: "GREEN",
        throughput: { level: "STANDARD" },
        whatsapp_business_manager_messaging_limit: "TIER_2K",
        platform_type: "CLOUD_API",
      },
    };
  }
  if (method === "GET" && first === WABA_ID && second === undefined) {
    return {
      body: { id: WABA_ID, name: "Acme WABA", timezone_id: "1", currency: "USD", message_template_namespace: "ns_1" },
    };
  }
  const tpl = TEMPLATES.find((t) => t.id === first);
  if (method === "GET" && tpl && second === undefined) return { body: tpl };
  return { status: 400, body: graphError(100, "Unsupported request", { error_subcode: 33 }) };
}

export async function startGraphServer(): Promise<GraphServer> {
  const requests: Recorded[] = [];
  const script: Scripted[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://local");
      const text = Buffer.concat(chunks).toString("utf8");
      const body: unknown = text ? JSON.parse(text) : undefined;
      requests.push({
        method: req.method ?? "",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      });
      const auth = req.headers.authorization ?? "";
      let answer: Scripted;
      if (auth !== `Bearer ${TOKEN}`) {
        // Real Graph echoes the bad token in the message: the client must redact it.
        const given = auth.replace(/^Bearer /, "");
        answer = {
          status: 401,
          body: graphError(190, `Invalid OAuth access token - Cannot parse access token ${given}`),
        };
      } else {
        answer = script.shift() ?? defaults(req.method ?? "", url.pathname, url.searchParams, body);
      }
      const send = (): void => {
        if (res.destroyed) return;
        res.writeHead(answer.status ?? 200, { "content-type": "application/json" });
        res.end(answer.raw ?? JSON.stringify(answer.body));
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
