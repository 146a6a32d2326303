import type { CareWindow, ConversationType } from "./types.js";

export interface WindowSource {
  readonly id: string;
  readonly conversationType: ConversationType;
  readonly openedAt: number;
  readonly lastInboundAt: number;
  readonly lastOutboundAt: number | null;
  readonly expiresAt: number;
}

export const CLOSED_WINDOW: CareWindow = Object.freeze({
  open: false,
  conversationId: null,
  conversationType: null,
  openedAt: null,
  lastInboundAt: null,
  lastOutboundAt: null,
  expiresAt: null,
  remainingMs: 0,
});

/** The window as seen at `now`: open while now < last inbound message time + 24 h. */
export function windowAt(src: WindowSource | null, now: number): CareWindow {
  if (src === null) return CLOSED_WINDOW;
  const remainingMs = Math.max(0, src.expiresAt - now);
  return {
    open: remainingMs > 0,
    conversationId: src.id,
    conversationType: src.conversationType,
    openedAt: new Date(src.openedAt),
    lastInboundAt: new Date(src.lastInboundAt),
    lastOutboundAt: src.lastOutboundAt === null ? null : new Date(src.lastOutboundAt),
    expiresAt: new Date(src.expiresAt),
    remainingMs,
  };
}
