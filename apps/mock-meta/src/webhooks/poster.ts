import type { MockLog } from "../options.js";
import { signBody, signBodySha1 } from "./encode.js";

export interface PosterSettings {
  targetUrl: string | null;
  retryDelaysMs: readonly number[];
  concurrency: number;
  timeoutMs: number;
}

export interface WebhookStats {
  posted: number; // envelopes answered 200
  events: number; // statuses/messages/template events inside those envelopes
  attempts: number;
  retried: number;
  dropped: number; // gave up after the last retry, queue overflow, or no target configured
  queued: number;
  in_flight: number;
}

export interface Poster {
  post(body: string, events: number, appSecret: string): void;
  stats(): WebhookStats;
  idle(): boolean;
  clear(): void;
  close(): Promise<void>;
}

interface Job {
  readonly body: string;
  readonly signature: string;
  readonly signatureSha1: string;
  readonly events: number;
  attempt: number;
}

const MAX_QUEUE = 10_000;

/** Bounded-concurrency POSTer: like Meta, anything but HTTP 200 is retried a few times, then dropped. */
export function createPoster(settings: () => PosterSettings, log: MockLog): Poster {
  let queue: Job[] = [];
  const retryTimers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  const s: WebhookStats = { posted: 0, events: 0, attempts: 0, retried: 0, dropped: 0, queued: 0, in_flight: 0 };
  let closed = false;

  const pump = (): void => {
    if (closed) return;
    while (inFlight.size < settings().concurrency && queue.length > 0) {
      const job = queue.shift();
      if (job === undefined) break;
      const p = attempt(job).finally(() => {
        inFlight.delete(p);
        pump();
      });
      inFlight.add(p);
    }
  };

  const retryOrDrop = (job: Job, reason: string): void => {
    const delay = settings().retryDelaysMs[job.attempt - 1];
    if (delay === undefined || closed) {
      s.dropped += 1;
      log.warn({ attempts: job.attempt, reason }, "webhook dropped");
      return;
    }
    s.retried += 1;
    const t = setTimeout(() => {
      retryTimers.delete(t);
      enqueue(job);
    }, delay);
    retryTimers.add(t);
  };

  async function attempt(job: Job): Promise<void> {
    const { targetUrl, timeoutMs } = settings();
    if (targetUrl === null) {
      s.dropped += 1;
      return;
    }
    job.attempt += 1;
    s.attempts += 1;
    try {
      const res = await fetch(targetUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "facebookexternalua",
          "x-hub-signature": job.signatureSha1,
          "x-hub-signature-256": job.signature,
        },
        body: job.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer();
      if (res.status === 200) {
        s.posted += 1;
        s.events += job.events;
      } else retryOrDrop(job, `http ${res.status}`);
    } catch (err) {
      retryOrDrop(job, err instanceof Error ? err.name : "error");
    }
  }

  function enqueue(job: Job): void {
    if (closed) return;
    if (queue.length >= MAX_QUEUE) {
      s.dropped += 1;
      return;
    }
    queue.push(job);
    pump();
  }

  return {
    post(body, events, appSecret) {
      enqueue({
        body,
        signature: signBody(appSecret, body),
        signatureSha1: signBodySha1(appSecret, body),
        events,
        attempt: 0,
      });
    },
    stats: () => ({ ...s, queued: queue.length + retryTimers.size, in_flight: inFlight.size }),
    idle: () => queue.length === 0 && retryTimers.size === 0 && inFlight.size === 0,
    clear() {
      queue = [];
      for (const t of retryTimers) clearTimeout(t);
      retryTimers.clear();
      Object.assign(s, { posted: 0, events: 0, attempts: 0, retried: 0, dropped: 0 });
    },
    async close() {
      closed = true;
      queue = [];
      for (const t of retryTimers) clearTimeout(t);
      retryTimers.clear();
      await Promise.allSettled(inFlight);
    },
  };
}
