import { useCallback, useEffect, useRef, useState } from "react";
import type { ApiClient } from "../api/client";
import { pollJob, type PollSnapshot, type Poller } from "../polling";

export interface JobPolling {
  snapshot: PollSnapshot | null;
  /** Poll at once (say, after asking the server to cancel). */
  pollNow: () => void;
}

/** The live state of one job (none when `jobId` is null), polled while mounted; the snapshot
 * is null before the first answer. Polls at once when the browser comes back online. */
export function useJobPolling(api: ApiClient, jobId: string | null): JobPolling {
  const [state, setState] = useState<{ jobId: string; snapshot: PollSnapshot } | null>(null);
  const poller = useRef<Poller | null>(null);

  useEffect(() => {
    if (jobId === null) return;
    const started = pollJob({
      fetchJob: (signal) => api.status(jobId, signal),
      onChange: (snapshot) => setState({ jobId, snapshot }),
    });
    const resume = () => started.pollNow();
    window.addEventListener("online", resume);
    poller.current = started;
    return () => {
      window.removeEventListener("online", resume);
      started.stop();
      poller.current = null;
    };
  }, [api, jobId]);

  const pollNow = useCallback(() => poller.current?.pollNow(), []);
  return { snapshot: state !== null && state.jobId === jobId ? state.snapshot : null, pollNow };
}
