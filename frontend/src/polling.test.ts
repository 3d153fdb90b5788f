import { describe, expect, it, vi } from "vitest";
import { ApiError, NETWORK_ERROR } from "./api/client";
import type { Job } from "./api/types";
import { backoffDelay, pollJob, type PollSnapshot, type Timers } from "./polling";
import { done, job, result } from "./test/fixtures";

/** Timers that fire only when the test says so. */
function manualTimers() {
  const pending = new Map<number, { callback: () => void; ms: number }>();
  let next = 0;
  const timers: Timers = {
    set: (callback, ms) => {
      pending.set(++next, { callback, ms });
      return next;
    },
    clear: (handle) => {
      pending.delete(handle as number);
    },
  };
  return {
    timers,
    /** The delays of the timers now waiting. */
    delays: () => [...pending.values()].map((timer) => timer.ms),
    /** Fire the one waiting timer. */
    fire: () => {
      expect(pending.size).toBe(1);
      const [id, timer] = [...pending.entries()][0]!;
      pending.delete(id);
      timer.callback();
    },
  };
}

/** A fetchJob whose answers the test gives one by one; counts requests in flight. */
function scriptedFetch() {
  const waiting: { resolve: (job: Job) => void; reject: (error: unknown) => void }[] = [];
  const signals: AbortSignal[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetchJob = vi.fn((signal: AbortSignal) => {
    signals.push(signal);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise<Job>((resolve, reject) => waiting.push({ resolve, reject })).finally(() => {
      inFlight -= 1;
    });
  });
  const settle = async (answer: Job | Error) => {
    const call = waiting.shift();
    expect(call, "a request should be in flight").toBeDefined();
    if (answer instanceof Error) call!.reject(answer);
    else call!.resolve(answer);
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { fetchJob, settle, signals, maxInFlight: () => maxInFlight };
}

function start() {
  const clock = manualTimers();
  const server = scriptedFetch();
  const snapshots: PollSnapshot[] = [];
  const poller = pollJob({
    fetchJob: server.fetchJob,
    onChange: (snapshot) => snapshots.push(snapshot),
    timers: clock.timers,
    intervalMs: 1000,
    maxBackoffMs: 15_000,
  });
  const last = () => snapshots[snapshots.length - 1]!;
  return { clock, server, snapshots, poller, last };
}

const offline = () => new ApiError(0, NETWORK_ERROR, "the server could not be reached");

describe("pollJob", () => {
  it("polls at once, then every second, and stops when the job is terminal", async () => {
    const { clock, server, last } = start();
    expect(server.fetchJob).toHaveBeenCalledTimes(1);
    await server.settle(
      job({ results: [done(1), result(2, { status: "in_progress" }), result(3)] }),
    );
    expect(last().job?.completedModels).toBe(1);
    expect(clock.delays()).toEqual([1000]);

    clock.fire();
    await server.settle(job({ status: "completed", results: [done(1), done(2), done(3)] }));
    expect(last()).toMatchObject({ finished: true, failures: 0, error: null });
    expect(clock.delays()).toEqual([]);
    expect(server.fetchJob).toHaveBeenCalledTimes(2);
  });

  it("backs off 2, 4, 8 then 15 s while the server is unreachable, and recovers", async () => {
    const { clock, server, last } = start();
    const waits: number[] = [];
    for (let failure = 1; failure <= 5; failure += 1) {
      await server.settle(offline());
      expect(last()).toMatchObject({ failures: failure, finished: false });
      waits.push(...clock.delays());
      clock.fire();
    }
    expect(waits).toEqual([2000, 4000, 8000, 15_000, 15_000]);

    await server.settle(job());
    expect(last()).toMatchObject({ failures: 0, retryInMs: null, finished: false });
    expect(last().job).not.toBeNull();
    expect(clock.delays()).toEqual([1000]);
  });

  it("keeps the last job while retrying a 5xx", async () => {
    const { clock, server, last } = start();
    await server.settle(job());
    clock.fire();
    await server.settle(new ApiError(502, "HTTP_502", "bad gateway"));
    expect(last()).toMatchObject({ failures: 1, retryInMs: 2000 });
    expect(last().job?.jobId).toBe(job().jobId);
  });

  it("gives up with the error on a 404, with nothing scheduled", async () => {
    const { clock, server, last } = start();
    await server.settle(new ApiError(404, "JOB_NOT_FOUND", "no job with that id"));
    expect(last().finished).toBe(true);
    expect(last().error?.code).toBe("JOB_NOT_FOUND");
    expect(clock.delays()).toEqual([]);
  });

  it("never has two polls in flight, even when asked to poll now", async () => {
    const { clock, server, poller } = start();
    poller.pollNow();
    poller.pollNow();
    expect(server.fetchJob).toHaveBeenCalledTimes(1);
    await server.settle(offline());
    expect(clock.delays()).toEqual([2000]);

    poller.pollNow(); // back online: try at once instead of waiting out the backoff
    expect(clock.delays()).toEqual([]);
    expect(server.fetchJob).toHaveBeenCalledTimes(2);
    await server.settle(job());
    expect(server.maxInFlight()).toBe(1);
  });

  it("stops: aborts the request in flight, cancels the timer, reports nothing more", async () => {
    const { clock, server, snapshots, poller } = start();
    await server.settle(job());
    clock.fire();
    poller.stop();
    expect(server.signals[1]?.aborted).toBe(true);
    await server.settle(job({ status: "completed" }));
    expect(snapshots).toHaveLength(1);
    expect(clock.delays()).toEqual([]);
  });
});

describe("backoffDelay", () => {
  it("doubles from twice the interval and is capped", () => {
    expect([1, 2, 3, 4, 10].map((n) => backoffDelay(n, 1000, 15_000))).toEqual([
      2000, 4000, 8000, 15_000, 15_000,
    ]);
  });
});
