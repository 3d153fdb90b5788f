import { ApiError, toApiError } from "./api/client";
import { isTerminal, type Job } from "./api/types";

/** What a person should see about one job's polling, replaced on every change. */
export interface PollSnapshot {
  /** The latest job document, kept through connection trouble. */
  job: Job | null;
  /** Failed polls in a row; 0 while the server answers. */
  failures: number;
  /** While failing: how long until the next try. */
  retryInMs: number | null;
  /** Why polling gave up for good (no such job, a bad id); null otherwise. */
  error: ApiError | null;
  /** The job is terminal or polling gave up: nothing more will change. */
  finished: boolean;
}

export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface PollOptions {
  fetchJob: (signal: AbortSignal) => Promise<Job>;
  onChange: (snapshot: PollSnapshot) => void;
  timers?: Timers;
  intervalMs?: number;
  maxBackoffMs?: number;
}

export interface Poller {
  /** Poll now instead of waiting (say, the browser is back online); no-op while a poll runs. */
  pollNow(): void;
  /** Stop for good: cancels the timer and the request in flight; no more onChange calls. */
  stop(): void;
}

export const POLL_INTERVAL_MS = 1000;
export const MAX_BACKOFF_MS = 15_000;

const browserTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The wait after `failures` failed polls in a row: 2, 4, 8 ... times the interval, capped. */
export function backoffDelay(failures: number, intervalMs: number, maxMs: number): number {
  return Math.min(maxMs, intervalMs * 2 ** failures);
}

/**
 * Poll one job until it is terminal: at once, then every `intervalMs`; after a network error,
 * a 5xx or a 429, back off exponentially and return to the interval once the server answers.
 * Any other error (404, 400) ends polling. At most one request is in flight at any time.
 */
export function pollJob({
  fetchJob,
  onChange,
  timers = browserTimers,
  intervalMs = POLL_INTERVAL_MS,
  maxBackoffMs = MAX_BACKOFF_MS,
}: PollOptions): Poller {
  let snapshot: PollSnapshot = {
    job: null,
    failures: 0,
    retryInMs: null,
    error: null,
    finished: false,
  };
  let timer: unknown = null;
  let inFlight: AbortController | null = null;
  let stopped = false;

  const publish = (changes: Partial<PollSnapshot>) => {
    snapshot = { ...snapshot, ...changes };
    onChange(snapshot);
  };

  const schedule = (ms: number) => {
    timer = timers.set(() => {
      timer = null;
      void poll();
    }, ms);
  };

  async function poll(): Promise<void> {
    if (stopped || inFlight !== null || snapshot.finished) return;
    const controller = new AbortController();
    inFlight = controller;
    let outcome: { job: Job } | { error: ApiError };
    try {
      outcome = { job: await fetchJob(controller.signal) };
    } catch (error) {
      outcome = { error: toApiError(error) };
    }
    inFlight = null;
    if (stopped) return;
    if ("job" in outcome) {
      const finished = isTerminal(outcome.job.status);
      publish({ job: outcome.job, failures: 0, retryInMs: null, finished });
      if (!finished) schedule(intervalMs);
    } else if (outcome.error.retryable) {
      const failures = snapshot.failures + 1;
      const retryInMs = backoffDelay(failures, intervalMs, maxBackoffMs);
      publish({ failures, retryInMs });
      schedule(retryInMs);
    } else {
      publish({ error: outcome.error, retryInMs: null, finished: true });
    }
  }

  void poll();

  return {
    pollNow() {
      if (stopped || inFlight !== null || snapshot.finished) return;
      if (timer !== null) timers.clear(timer);
      timer = null;
      void poll();
    },
    stop() {
      stopped = true;
      if (timer !== null) timers.clear(timer);
      timer = null;
      inFlight?.abort();
    },
  };
}
