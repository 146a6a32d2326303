import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";

const TOKEN = "mock-token";
export const SECRET = "mock-app-secret";
export const PHONE = "100000000000001";
export const WABA = "200000000000001";

export interface Received {
  readonly raw: Buffer;
  readonly headers: IncomingHttpHeaders;
  readonly body: WebhookBody;
}

interface WebhookBody {
  object: string;
  entry: { id: string; time?: number; changes: { field: string; value: Record<string, any> }[] }[];
}

export interface Target {
  readonly url: string;
  readonly received: Received[];
  /** Status code to answer next; defaults to 200 once the list is empty. */
  readonly answers: number[];
  close(): Promise<void>;
}

/** A webhook receiver on a random port that keeps the raw bytes of every POST. */
export async function startTarget(): Promise<Target> {
  const received: Received[] = [];
  const answers: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const status = answers.shift() ?? 200;
      if (status === 200) received.push({ raw, headers: req.headers, body: JSON.parse(raw.toString("utf8")) });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    received,
    answers,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

export const hmac = (raw: Buffer): string => `sha256=${createHmac("sha256", SECRET).update(raw).digest("hex")}`;

export async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function call(base: string, method: string, path: string, body?: unknown, token: string | null = TOKEN) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== null) headers["authorization"] = `Bearer ${token}`;
  const res = await fetch(base + path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as any };
}

export const send = (base: string, body: object, token: string | null = TOKEN) =>
  call(base, "POST", `/v25.0/${PHONE}/messages`, { messaging_product: "whatsapp", ...body }, token);

export const text = (to: string, body = "hello") => ({ to, type: "text", text: { body } });

export const template = (to: string, name = "order_update", params: string[] = ["Ann", "A-1"], language = "en") => ({
  to,
  type: "template",
  template: {
    name,
    language: { code: language },
    components: [{ type: "body", parameters: params.map((p) => ({ type: "text", text: p })) }],
  },
});

export const statusesOf = (received: readonly Received[]) =>
  received.flatMap((r) => r.body.entry.flatMap((e) => e.changes.flatMap((c) => (c.value["statuses"] ?? []) as any[])));
