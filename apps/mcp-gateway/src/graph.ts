import type { Accounts, NumberAccount } from "@wa/accounts";
import type { McpGatewayConfig } from "@wa/config";
import { createMediaClient, createMetaClient, type MediaClient, type MetaClient } from "@wa/meta";

/** The Graph clients that call Meta as one business number, with its WABA's token. */
interface NumberGraph {
  meta: MetaClient;
  media: MediaClient; // media ids belong to the number that uploaded or received them
}

/** The one place that answers "which client calls Meta for this number". */
export interface GraphClients {
  of(n: Pick<NumberAccount, "phoneNumberId" | "wabaId">): NumberGraph;
}

/**
 * One pair of clients per number, built on first use with the token of the number's WABA: at Meta (and in
 * mock-meta) a token sees only its own WABA's numbers, media and messages, so a number is never called with
 * another WABA's token. The tokens were read at start (openGatewayAccounts); the clients hold them, nothing else.
 */
export function createGraphClients(accounts: Accounts, cfg: McpGatewayConfig): GraphClients {
  const built = new Map<string, NumberGraph>();
  const common = { baseUrl: cfg.META_API_BASE_URL, version: cfg.META_API_VERSION, timeoutMs: cfg.META_TIMEOUT_MS };
  return {
    of(n) {
      let g = built.get(n.phoneNumberId);
      if (!g) {
        const accessToken = accounts.token(n.wabaId);
        g = {
          meta: createMetaClient({ ...common, accessToken, phoneNumberId: n.phoneNumberId, wabaId: n.wabaId }),
          media: createMediaClient({ ...common, accessToken, phoneNumberId: n.phoneNumberId }),
        };
        built.set(n.phoneNumberId, g);
      }
      return g;
    },
  };
}
