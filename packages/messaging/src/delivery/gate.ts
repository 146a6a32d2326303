import { setTimeout as sleep } from "node:timers/promises";
import type { MessageContext } from "@wa/bus";
import { claimProbe, resumeSending, sendingPause, type SendingPause } from "./pause.js";
import type { DeliveryDeps } from "./types.js";

export interface PauseGate {
  /** Resolves true once the number may send (holding the envelope meanwhile); false when shutdown cut the wait. */
  waitOpen(ctx: MessageContext): Promise<boolean>;
  /** Read the pause again on the next look (this worker just paused the number). */
  forget(): void;
}

/**
 * Holds every envelope of a paused number in this worker, without claiming its row (so nothing is failed and no
 * attempt is spent): the stream keeps the rest. One read of the pause per poll is shared by all handlers; a
 * probe (GET of the phone number: token valid, number reachable) runs at most once per PAUSE_PROBE period across
 * replicas, and its success resumes sending for everyone.
 */
export function createPauseGate(d: DeliveryDeps, signal?: AbortSignal): PauseGate {
  const now = d.now ?? Date.now;
  const pollMs = d.pausePollMs ?? 1000;
  const probeEveryMs = d.pauseProbeMs ?? 60_000;
  let cached: { at: number; pause: SendingPause | null } | null = null;
  let reading: Promise<SendingPause | null> | null = null;
  let lastProbe = 0;

  function current(): Promise<SendingPause | null> {
    if (cached && now() - cached.at < pollMs) return Promise.resolve(cached.pause);
    reading ??= sendingPause(d.db, d.phoneNumberId)
      .then((pause) => ((cached = { at: now(), pause }), pause))
      .catch(() => cached?.pause ?? null) // Postgres down: the claim fails anyway
      .finally(() => (reading = null));
    return reading;
  }

  async function probe(): Promise<void> {
    if (now() - lastProbe < pollMs) return;
    lastProbe = now();
    if (!(await claimProbe(d.db, d.phoneNumberId, probeEveryMs))) return;
    const r = await d.meta.getPhoneNumber({ phoneNumberId: d.phoneNumberId });
    if (!r.ok) {
      d.log.warn({ code: r.error.code, kind: r.error.kind }, "sending paused: probe failed, still paused");
      return;
    }
    if (
      await resumeSending(d.db, d.phoneNumberId, {
        actor: "system",
        reason: "a probe call to Meta (GET phone number) succeeded",
      })
    ) {
      d.log.info({ phone_number_id: d.phoneNumberId }, "sending resumed: probe succeeded");
    }
    cached = null;
  }

  return {
    async waitOpen(ctx) {
      for (;;) {
        if (!(await current())) return true;
        ctx.working();
        await probe().catch((err: unknown) => d.log.warn({ err }, "sending paused: probe could not run"));
        try {
          await sleep(pollMs, undefined, signal ? { signal } : {});
        } catch {
          return false;
        }
      }
    },
    forget() {
      cached = null;
    },
  };
}
