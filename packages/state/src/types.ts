/** A customer on one channel; `customerId` is the phone's digits without "+", or a BSUID. */
export interface CustomerKey {
  readonly customerId: string;
  readonly channel?: string; // default "whatsapp"; each business of accounts.yaml has its own
  readonly phoneNumberId?: string; // the business number, for the 24 h window; default: the store's number
}

export type ConsentStatus = "granted" | "revoked" | "unknown";
export type ConsentCategory = "marketing" | "utility";

export interface ConsentState {
  readonly status: ConsentStatus;
  readonly source: string | null; // agent, inbound_keyword, import, api, or the agent's free text
  readonly at: Date | null;
}

export interface Customer {
  readonly id: string;
  readonly channel: string;
  readonly customerId: string;
  readonly phone: string | null;
  readonly bsuid: string | null;
  readonly displayName: string | null;
  readonly consent: Readonly<Record<ConsentCategory, ConsentState>>;
  readonly tags: readonly string[];
  readonly country: string | null; // ISO 3166 alpha-2
  readonly timezone: string | null; // IANA
  readonly lastInboundAt: Date | null;
  readonly lastOutboundAt: Date | null;
  readonly marketingLimitedUntil: Date | null; // Meta's per-user marketing limit (131049): no marketing until then
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type ConversationType = "customer_service" | "free_entry_point";

/** The 24-hour customer service window of one customer and channel. */
export interface CareWindow {
  readonly open: boolean;
  readonly conversationId: string | null; // the active conversation, if any
  readonly conversationType: ConversationType | null;
  readonly openedAt: Date | null;
  readonly lastInboundAt: Date | null; // the inbound message's own timestamp
  readonly lastOutboundAt: Date | null;
  readonly expiresAt: Date | null; // lastInboundAt + 24 h
  readonly remainingMs: number; // 0 when closed
}

export interface Conversation {
  readonly id: string;
  readonly channel: string;
  readonly customerId: string;
  readonly phoneNumberId: string | null; // the business number the window is with
  readonly status: "active" | "archived";
  readonly conversationType: ConversationType;
  readonly openedAt: Date;
  readonly lastInboundAt: Date;
  readonly lastOutboundAt: Date | null;
  readonly windowExpiresAt: Date;
  readonly archivedAt: Date | null;
  readonly windowOpen: boolean;
  readonly remainingMs: number;
}

/** One message holding a marketing frequency slot: our message id and when it was reserved (epoch ms). */
export interface SlotEntry {
  readonly slotId: string;
  readonly at: number;
}

type LogFn = (obj: object, msg?: string) => void;
/** The slice of a pino logger this package uses. */
export interface StateLogger {
  readonly warn: LogFn;
  readonly info: LogFn;
}
