import { useEffect } from "react";
import type { ApiClient } from "../api/client";
import type { Job } from "../api/types";
import { cardsFromJob, waitingCards } from "../cards";
import { useJobPolling } from "../hooks/useJobPolling";
import { formatWait, noticeFor, type Notice } from "../messages";
import type { PollSnapshot } from "../polling";
import { ResultsGrid } from "./ResultsGrid";
import { StatusBanner } from "./StatusBanner";

interface Props {
  api: ApiClient;
  jobId: string;
  /** How many models the job runs, when known before its first status (just generated). */
  expectedModels: number | null;
  /** Called once the job is terminal. */
  onFinished: () => void;
}

/** "2 of 3 done", and how the job ended once it has. */
export function progressText(job: Job): string {
  const failed = job.results.filter((result) => result.status === "error").length;
  const done = `${job.completedModels} of ${job.totalModels} done`;
  switch (job.status) {
    case "completed":
      return `${done}: every image is ready.`;
    case "partial":
      return `${done}: ${failed} failed.`;
    case "failed":
      return `${done}: no image could be made.`;
    default:
      return failed > 0 ? `${done} (${failed} failed)` : done;
  }
}

function connectionNotice(snapshot: PollSnapshot | null): Notice | null {
  if (!snapshot) return null;
  if (snapshot.error) return noticeFor(snapshot.error);
  if (snapshot.failures === 0 || snapshot.retryInMs === null) return null;
  return {
    tone: "warning",
    title: "Connection lost. Retrying…",
    detail: `Next try in ${formatWait(snapshot.retryInMs / 1000)}. The results so far are kept.`,
  };
}

/** A job's cards, filling in as its status is polled. */
export function JobView({ api, jobId, expectedModels, onFinished }: Props) {
  const snapshot = useJobPolling(api, jobId);
  const job = snapshot?.job ?? null;
  const terminal = job !== null && snapshot?.finished === true;

  useEffect(() => {
    if (terminal) onFinished();
  }, [terminal, onFinished]);

  const cards = job ? cardsFromJob(job) : waitingCards(expectedModels ?? 0);
  return (
    <section className="results" aria-labelledby="job-title">
      <div className="results-head">
        <h2 id="job-title" className="results-prompt">
          {job ? `“${job.prompt}”` : "Starting…"}
        </h2>
        <p className="progress-text" role="status">
          {job ? progressText(job) : "Waiting for the first update…"}
        </p>
        {job && (
          <progress
            className="progress-bar"
            max={job.totalModels}
            value={job.completedModels}
            aria-hidden="true"
          />
        )}
        {job?.status === "failed" && job.error && <p className="card-error">{job.error}</p>}
      </div>
      <StatusBanner notice={connectionNotice(snapshot)} />
      <ResultsGrid cards={cards} prompt={job?.prompt ?? ""} />
    </section>
  );
}
