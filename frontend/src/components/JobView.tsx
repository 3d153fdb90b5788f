import { useEffect, useRef } from "react";
import type { ApiClient } from "../api/client";
import { isTerminal, type Job } from "../api/types";
import { cardsFromJob, waitingCards } from "../cards";
import { describeParameters } from "../controls";
import { formatUsd, formatWait, humanizeCodes, noticeFor, type Notice } from "../messages";
import type { PollSnapshot } from "../polling";
import { stillRunning, progressText } from "../progress";
import { GenerationActions } from "./GenerationActions";
import { ResultsGrid } from "./ResultsGrid";
import { StatusBanner } from "./StatusBanner";

export { progressText };

interface Props {
  api: ApiClient;
  jobId: string;
  snapshot: PollSnapshot | null;
  /** How many models the job runs, when known before its first status (just generated). */
  expectedModels: number | null;
  /** Bring the results into view (just generated). */
  scrollIntoView?: boolean;
  /** Called once the job is terminal. */
  onFinished: () => void;
  /** The address of this generation, to copy. */
  link: string;
  onReuse: (job: Job) => void;
  /** A reopened generation: say so above the results. */
  reopened?: boolean;
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

/** Back to the prompt bar from anywhere down the grid. */
function toPrompt() {
  window.scrollTo?.({ top: 0 });
  document.querySelector<HTMLElement>(".prompt-input")?.focus();
}

/** "$0.12 so far of an estimated $0.36", then "Cost $0.12". */
export function costText(job: Job): string | null {
  const cost = job.costUsd ?? null;
  const estimate = job.estimatedCostUsd ?? null;
  if (cost === null && estimate === null) return null;
  if (isTerminal(job.status)) return `Cost ${formatUsd(cost ?? 0)}`;
  if (estimate === null) return `${formatUsd(cost ?? 0)} so far`;
  return `${formatUsd(cost ?? 0)} so far of an estimated ${formatUsd(estimate)}`;
}

/** A job's cards, filling in as its status is polled, under a bar that stays in view. */
export function JobView({
  api,
  jobId,
  snapshot,
  expectedModels,
  scrollIntoView = false,
  onFinished,
  link,
  onReuse,
  reopened = false,
}: Props) {
  const job = snapshot?.job ?? null;
  const terminal = job !== null && snapshot?.finished === true;
  const sectionRef = useRef<HTMLElement>(null);

  useEffect(() => {
    if (terminal) onFinished();
  }, [terminal, onFinished]);

  // Just generated: if the first card is not wholly in view, scroll just enough to show it,
  // keeping the prompt bar above it in view when there is room.
  useEffect(() => {
    if (!scrollIntoView) return;
    const first = sectionRef.current?.querySelector(".card");
    if (!first) return;
    const overflow = first.getBoundingClientRect().bottom - window.innerHeight + 16;
    if (overflow <= 0) return;
    const reduce = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? true;
    window.scrollBy?.({ top: overflow, behavior: reduce ? "auto" : "smooth" });
  }, [scrollIntoView]);

  // An unknown job: only the message, no "Starting…" above it.
  if (!job && snapshot?.error) return <StatusBanner notice={connectionNotice(snapshot)} />;

  const cards = job ? cardsFromJob(job) : waitingCards(expectedModels ?? 0);
  const running = job ? stillRunning(job) : [];
  const cost = job ? costText(job) : null;
  const settings = job ? describeParameters(job.parameters) : "";
  const header = (
    <div className="results-head">
      <h2 id="job-title" className="visually-hidden">
        {job ? `“${job.prompt}”` : "Starting…"}
      </h2>
      {reopened && job && (
        <p className="muted">Reopened from the history · {settings || "default settings"}</p>
      )}
      <div className="progress-line">
        <p className="progress-text" role="status">
          {job ? progressText(job) : "Waiting for the first update…"}
        </p>
        {cost && <p className="job-cost">{cost}</p>}
        <button type="button" className="button-link to-prompt" onClick={toPrompt}>
          Edit prompt ↑
        </button>
      </div>
      {job && !terminal && (
        <progress
          className="progress-bar"
          max={job.totalModels}
          value={job.completedModels}
          aria-hidden="true"
        />
      )}
      {running.length > 0 && (
        <p className="still-running muted" title={running.join(", ")}>
          Still running ({running.length}): {running.join(", ")}
        </p>
      )}
      {job?.status === "failed" && job.error && (
        <p className="card-error">{humanizeCodes(job.error)}</p>
      )}
    </div>
  );

  return (
    <section ref={sectionRef} className="results" aria-labelledby="job-title" data-job={jobId}>
      <StatusBanner notice={connectionNotice(snapshot)} />
      <ResultsGrid
        cards={cards}
        prompt={job?.prompt ?? ""}
        header={header}
        vote={terminal ? { api, jobId } : null}
      />
      {job && terminal && (
        <GenerationActions
          cards={cards}
          prompt={job.prompt}
          settings={settings}
          link={link}
          onReuse={() => onReuse(job)}
        />
      )}
    </section>
  );
}
