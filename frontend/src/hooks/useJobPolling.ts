import { useEffect, useState } from "react";
import type { ApiClient } from "../api/client";
import { pollJob, type PollSnapshot } from "../polling";

/** The live state of one job, polled while the component is mounted; null before the first
 * answer. Polls at once when the browser comes back online. */
export function useJobPolling(api: ApiClient, jobId: string): PollSnapshot | null {
  const [state, setState] = useState<{ jobId: string; snapshot: PollSnapshot } | null>(null);

  useEffect(() => {
    const poller = pollJob({
      fetchJob: (signal) => api.status(jobId, signal),
      onChange: (snapshot) => setState({ jobId, snapshot }),
    });
    const resume = () => poller.pollNow();
    window.addEventListener("online", resume);
    return () => {
      window.removeEventListener("online", resume);
      poller.stop();
    };
  }, [api, jobId]);

  return state?.jobId === jobId ? state.snapshot : null;
}
