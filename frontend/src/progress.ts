import { isTerminal, type Job } from "./api/types";

const APP = "Pixel Prompt";

function failedCount(job: Job): number {
  return job.results.filter((result) => result.status === "error").length;
}

function imageCount(job: Job): number {
  return job.results.filter((result) => result.status === "completed").length;
}

/** "2 of 3 done", and how the job ended once it has. */
export function progressText(job: Job): string {
  const failed = failedCount(job);
  const done = `${job.completedModels} of ${job.totalModels} done`;
  switch (job.status) {
    case "completed":
      return `${done}: every image is ready.`;
    case "partial":
      return `${done}: ${failed} failed.`;
    case "failed":
      return `${done}: no image could be made.`;
    case "cancelled":
      // completedModels counts cancelled models too: say how many images were made.
      return `Cancelled: ${imageCount(job)} of ${job.totalModels} done; the finished images are kept.`;
    default:
      return failed > 0 ? `${done} (${failed} failed)` : done;
  }
}

/** The models still at work, in order. */
export function stillRunning(job: Job): string[] {
  if (isTerminal(job.status)) return [];
  return [...job.results]
    .sort((a, b) => a.index - b.index)
    .filter((result) => result.status === "pending" || result.status === "in_progress")
    .map((result) => result.model);
}

/** The tab's title: progress while a job runs ("3/9 · Pixel Prompt"), how it ended after. */
export function tabTitle(job: Job | null): string {
  if (!job) return APP;
  const count = `${job.completedModels}/${job.totalModels}`;
  switch (job.status) {
    case "completed":
      return `✓ Done ${count} · ${APP}`;
    case "partial":
      return `✓ Done ${count}, ${failedCount(job)} failed · ${APP}`;
    case "failed":
      return `✗ Failed · ${APP}`;
    case "cancelled":
      return `Cancelled ${imageCount(job)}/${job.totalModels} · ${APP}`;
    default:
      return `${count} · ${APP}`;
  }
}
