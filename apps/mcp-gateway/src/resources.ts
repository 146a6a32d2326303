import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { normalizePhone } from "@wa/meta";
import type { ToolDeps } from "./deps.js";
import { conversationMessages, toItem } from "./messages/view.js";

const NEW_MESSAGES_URI = "whatsapp://messages/new";
const CONVERSATION = /^whatsapp:\/\/conversations\/([^/]+)\/messages$/;
const conversationUri = (customerId: string): string => `whatsapp://conversations/${customerId}/messages`;
const RECENT = 20;

/**
 * Conversations as subscribable resources: a client subscribes to one conversation or to every new inbound message
 * and gets notifications/resources/updated when a customer writes (relayed from the webhook processor's note).
 */
export function registerResources(server: Server, deps: ToolDeps): void {
  const subscribed = new Set<string>();
  let stop: (() => void) | null = null;

  const relay = (customerId: string): void => {
    if (server.transport === undefined) {
      stop?.(); // the session ended
      stop = null;
      return;
    }
    for (const uri of [NEW_MESSAGES_URI, conversationUri(customerId)])
      if (subscribed.has(uri)) void server.sendResourceUpdated({ uri }).catch(() => undefined);
  };

  server.setRequestHandler(ListResourcesRequestSchema, async () => {
    const recent = await deps.db
      .selectFrom("conversations")
      .select("customer_id")
      .where("channel", "=", "whatsapp")
      .where("status", "=", "active")
      .orderBy("last_inbound_at", "desc")
      .limit(RECENT)
      .execute();
    return {
      resources: [
        {
          uri: NEW_MESSAGES_URI,
          name: "new-messages",
          title: "New customer messages",
          description: "The newest inbound messages of every conversation; subscribe to hear when a customer writes.",
          mimeType: "application/json",
        },
        ...recent.map((c) => ({
          uri: conversationUri(c.customer_id),
          name: `conversation-${c.customer_id}`,
          title: `Conversation with +${c.customer_id}`,
          mimeType: "application/json",
        })),
      ],
    };
  });

  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: [
      {
        uriTemplate: "whatsapp://conversations/{customer_id}/messages",
        name: "conversation",
        title: "A conversation",
        description: "The newest messages with one customer (customer_id: digits with country code); subscribable.",
        mimeType: "application/json",
      },
    ],
  }));

  server.setRequestHandler(ReadResourceRequestSchema, async (req) => {
    const uri = req.params.uri;
    const text = JSON.stringify(await readResource(deps, uri));
    return { contents: [{ uri, mimeType: "application/json", text }] };
  });

  server.setRequestHandler(SubscribeRequestSchema, (req) => {
    resourceKey(req.params.uri); // unknown URIs are refused
    subscribed.add(req.params.uri);
    stop ??= deps.inbound.listen((n) => relay(n.customerId));
    return {};
  });

  server.setRequestHandler(UnsubscribeRequestSchema, (req) => {
    subscribed.delete(req.params.uri);
    if (subscribed.size === 0) {
      stop?.();
      stop = null;
    }
    return {};
  });
}

function resourceKey(uri: string): { kind: "new" } | { kind: "conversation"; customerId: string } {
  if (uri === NEW_MESSAGES_URI) return { kind: "new" };
  const m = CONVERSATION.exec(uri);
  const n = m ? normalizePhone(decodeURIComponent(m[1]!)) : null;
  if (n?.ok) return { kind: "conversation", customerId: n.digits };
  throw new McpError(
    ErrorCode.InvalidParams,
    `Unknown resource ${uri.slice(0, 120)}: use ${NEW_MESSAGES_URI} or whatsapp://conversations/{customer_id}/messages.`,
  );
}

async function readResource(deps: ToolDeps, uri: string): Promise<object> {
  const key = resourceKey(uri);
  if (key.kind === "conversation") {
    const rows = await conversationMessages(deps.db, key.customerId, RECENT, null);
    return { customer_id: key.customerId, messages: rows.map(toItem) };
  }
  const rows = await deps.db
    .selectFrom("messages")
    .selectAll()
    .where("direction", "=", "inbound")
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(RECENT)
    .execute();
  return { messages: rows.map(toItem) }; // newest first; wait_for_messages pages what is new since a cursor
}
