import { setTimeout as sleep } from "node:timers/promises";
import type { MessageContext } from "@wa/bus";
import type { SendingNumbers } from "./numbers.js";
import { claimProbe, resumeSending } from "./pause.js";
import type { DeliveryDeps } from "./types.js";

export interface PauseGate {
  /** Is sending from this number paused? Read from a copy of sending_pauses at most `pollMs` old. */
  paused(phoneNumberId: string): Promise<boolean>;
  /** Resolves true once the number may send (holding the envelope meanwhile); false when shutdown cut the wait. */
  waitOpen(ctx: MessageContext, phoneNumberId: string): Promise<boolean>;
  /** Read the pauses again on the next look (this worker just paused a number). */
  forget(): void;
}

/**
 * Pauses are per number (sending_pauses.phone_number_id). One read of every pause per poll is shared by all
 * handlers and numbers, so the hot path reads no row per message. A held envelope's row is not claimed (nothing
 * is failed, no attempt spent): the stream keeps the rest. A probe (GET of the phone number with its WABA's
 * token: token valid, number reachable) runs at most once per PAUSE_PROBE period per number across replicas,
 * and its success resumes that number for everyone.
 */
export function createPauseGate(d: DeliveryDeps, numbers: SendingNumbers, signal?: AbortSignal): PauseGate {
  const now = d.now ?? Date.now;
  const pollMs = d.pausePollMs ?? 1000;
  const probeEveryMs = d.pauseProbeMs ?? 60_000;
  let cached: { at: number; paused: ReadonlySet<string> } | null = null;
  let reading: Promise<ReadonlySet<string>> | null = null;
  const lastProbe = new Map<string, number>();

  function current(): Promise<ReadonlySet<string>> {
    if (cached && now() - cached.at < pollMs) return Promise.resolve(cached.paused);
    reading ??= d.db
      .selectFrom("sending_pauses")
      .select("phone_number_id")
      .execute()
      .then((rows) => {
        const paused = new Set(rows.map((r) => r.phone_number_id));
        cached = { at: now(), paused };
        return paused;
      })
      .catch(() => cached?.paused ?? new Set<string>()) // Postgres down: the claim fails anyway
      .finally(() => (reading = null));
    return reading;
  }

  async function probe(id: string): Promise<void> {
    if (now() - (lastProbe.get(id) ?? 0) < pollMs) return;
    lastProbe.set(id, now());
    if (!(await claimProbe(d.db, id, probeEveryMs))) return;
    const meta = numbers.clientOf(id);
    if (!meta) return; // no longer ours: an operator resumes it, or it stays paused
    const r = await meta.getPhoneNumber({ phoneNumberId: id });
    if (!r.ok) {
      d.log.warn(
        { phone_number_id: id, code: r.error.code, kind: r.error.kind },
        "sending paused: probe failed, still paused",
      );
      return;
    }
    if (
      await resumeSending(d.db, id, { actor: "system", reason: "a probe call to Meta (GET phone number) succeeded" })
    ) {
      d.log.info({ phone_number_id: id }, "sending resumed: probe succeeded");
    }
    cached = null;
  }

  return {
    paused: async (id) => (await current()).has(id),
    async waitOpen(ctx, id) {
      for (;;) {
        if (!(await current()).has(id)) return true;
        ctx.working();
        await probe(id).catch((err: unknown) =>
          d.log.warn({ err, phone_number_id: id }, "sending paused: probe could not run"),
        );
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
