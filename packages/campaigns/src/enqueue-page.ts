import type { EnqueueBatch, EnqueueRecipient, PageOutcome, RecipientOutcome } from "./recipient.js";

/**
 * A page port over a single-recipient send path, with bounded concurrency, in order. On a halt or a
 * fault no new recipient starts; only the prefix before the first one counts (the cursor stops there;
 * later ones are replayed, and their idempotency keys make the replay harmless).
 */
export function perRecipient(enqueue: EnqueueRecipient, concurrency = 16): EnqueueBatch {
  return (sends, onProgress) => enqueuePage(sends, enqueue, concurrency, onProgress);
}

async function enqueuePage(
  ids: Parameters<EnqueueBatch>[0],
  enqueue: EnqueueRecipient,
  concurrency: number,
  onProgress: () => void,
): Promise<PageOutcome> {
  const results: (RecipientOutcome | { kind: "fault"; error: unknown } | undefined)[] = Array.from(
    { length: ids.length },
    () => undefined,
  );
  let next = 0;
  let stopped = false;
  const worker = async (): Promise<void> => {
    while (!stopped && next < ids.length) {
      const i = next++;
      try {
        const r = await enqueue(ids[i]!);
        results[i] = r;
        if (r.kind === "halt") stopped = true;
      } catch (error) {
        results[i] = { kind: "fault", error };
        stopped = true;
      }
      if (i % 100 === 99) onProgress();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, ids.length)) }, worker));
  const handled: RecipientOutcome[] = [];
  for (const r of results) {
    if (r === undefined) return { handled, stop: { kind: "fault", error: new Error("recipient left unhandled") } };
    if (r.kind === "fault") return { handled, stop: { kind: "fault", error: r.error } };
    if (r.kind === "halt") return { handled, stop: { kind: "halt", outcome: r } };
    handled.push(r);
  }
  return { handled, stop: null };
}
