import { type ApiError, NETWORK_ERROR } from "./api/client";

export type Tone = "error" | "warning" | "info";

/** A message for the person using the app: a short title and an optional detail. */
export interface Notice {
  tone: Tone;
  title: string;
  detail?: string;
}

/** "45 seconds", "12 minutes", "3 h 05 min": how long until something, in words. */
export function formatWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s} second${s === 1 ? "" : "s"}`;
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/** "4.2 s", "3 s", "1 min 05 s": a duration the way a card shows it. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) {
    const tenths = seconds < 10 && !Number.isInteger(seconds);
    return `${tenths ? seconds.toFixed(1) : Math.round(seconds)} s`;
  }
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, "0")} s`;
}

function clockTime(at: Date): string {
  return at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function rateLimited(error: ApiError, now: Date): Notice {
  const seconds = error.retryAfterSeconds;
  if (seconds === null) {
    return { tone: "error", title: "Rate limit reached. Try again later.", detail: error.message };
  }
  const at = new Date(now.getTime() + seconds * 1000);
  return {
    tone: "error",
    title: `Rate limit reached. Try again in ${formatWait(seconds)} (at ${clockTime(at)}).`,
    detail: error.message,
  };
}

const BY_CODE: Record<string, (error: ApiError) => Notice> = {
  CONTENT_BLOCKED: () => ({
    tone: "error",
    title: "This prompt was blocked by the content filter.",
    detail: "No images were generated. Please reword the prompt and try again.",
  }),
  PROMPT_TOO_LONG: (e) => ({ tone: "error", title: "The prompt is too long.", detail: e.message }),
  PROMPT_REQUIRED: () => ({ tone: "error", title: "Write a prompt first." }),
  NO_MODELS: () => ({
    tone: "error",
    title: "No image models are configured on this server.",
    detail: "Whoever runs it needs to set MODEL_N_NAME (see the README).",
  }),
  DISPATCH_FAILED: () => ({
    tone: "error",
    title: "The job could not be started.",
    detail: "Please try again in a moment.",
  }),
  [NETWORK_ERROR]: () => ({
    tone: "error",
    title: "The server could not be reached.",
    detail: "Check your connection and try again.",
  }),
  INVALID_JOB_ID: () => ({
    tone: "error",
    title: "This link does not point to a job.",
    detail: "Start a new generation above.",
  }),
  JOB_NOT_FOUND: () => ({
    tone: "error",
    title: "This job was not found.",
    detail: "Jobs are kept for 30 days; its images may still be under Recent generations.",
  }),
  INVALID_TARGET: () => ({ tone: "error", title: "This link does not point to a generation." }),
  GALLERY_NOT_FOUND: () => ({ tone: "error", title: "This generation was not found." }),
};

/** What to tell a person about a failed call. */
export function noticeFor(error: ApiError, now: Date = new Date()): Notice {
  if (error.status === 429) return rateLimited(error, now);
  const known = BY_CODE[error.code];
  if (known) return known(error);
  return {
    tone: "error",
    title: error.status >= 500 ? "The server ran into a problem." : "The request was not accepted.",
    detail: error.message,
  };
}
