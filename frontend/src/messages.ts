import { type ApiError, NETWORK_ERROR } from "./api/client";
import type { ErrorKind } from "./api/types";

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

/** "$0.04", "$1.20", "$0.0035", "$0": money the way the app shows it. */
export function formatUsd(amount: number): string {
  if (amount === 0) return "$0";
  if (Math.abs(amount) < 0.01) return `$${amount.toFixed(4).replace(/0+$/, "")}`;
  return `$${amount.toFixed(2)}`;
}

/** A failure kind in words, for a card or a message; never the raw code. */
export const ERROR_KIND_TEXT: Record<ErrorKind, string> = {
  auth: "the provider refused the API key",
  rate_limited: "the provider's rate limit was reached",
  content_blocked: "the provider's safety filter blocked it",
  timeout: "no answer in time",
  bad_response: "the provider's answer was not understood",
  provider_error: "the provider reported an error",
  configuration: "the model is not set up correctly",
};

const KIND_IN_PARENS = new RegExp(`\\((${Object.keys(ERROR_KIND_TEXT).join("|")})\\)`, "g");

/** A server message with any raw failure code, such as "(provider_error)", put in words. */
export function humanizeCodes(message: string): string {
  return message.replace(KIND_IN_PARENS, (_, kind: ErrorKind) => `(${ERROR_KIND_TEXT[kind]})`);
}

const PREVIEW_NOTE = /\s*\((local preview[^()]*)\)\s*$/i;

/** An enhanced prompt and the note a preview model appended to it: the note is shown beside
 * the prompt and never sent to the models. */
export function splitEnhancementNote(text: string): { prompt: string; note: string | null } {
  const match = PREVIEW_NOTE.exec(text);
  if (!match) return { prompt: text, note: null };
  return { prompt: text.slice(0, match.index).trimEnd(), note: match[1] ?? null };
}

/** What a call was for, when the same code means something else (a blocked prompt made no
 * images on Generate, but on Enhance it simply was not rewritten). */
export type Action = "generate" | "enhance" | "other";

function spendLimit(error: ApiError, now: Date): Notice {
  const seconds = error.retryAfterSeconds;
  const when =
    seconds === null
      ? "It resets at midnight UTC."
      : `It resets at midnight UTC, in ${formatWait(seconds)} (at ${clockTime(
          new Date(now.getTime() + seconds * 1000),
        )}).`;
  return {
    tone: "error",
    title: "Today's spending limit for this deployment is reached.",
    detail: `No job was started and nothing was billed. ${when}`,
  };
}

/** A 503 that says to come back shortly: not a limit reached, nothing changed. */
function busy(error: ApiError, title: string): Notice {
  const seconds = error.retryAfterSeconds;
  return {
    tone: "warning",
    title,
    detail: `Please try again${seconds === null ? " shortly" : ` in ${formatWait(seconds)}`}.`,
  };
}

const BY_CODE: Record<string, (error: ApiError, action: Action) => Notice> = {
  CONTENT_BLOCKED: (_, action) =>
    action === "enhance"
      ? {
          tone: "error",
          title: "This prompt was blocked by the content filter.",
          detail: "It was not enhanced. Please reword it.",
        }
      : {
          tone: "error",
          title: "This prompt was blocked by the content filter.",
          detail: "No images were generated. Please reword the prompt and try again.",
        },
  SERVICE_BUSY: (e) => busy(e, "The server is busy right now."),
  STORAGE_UNAVAILABLE: (e) => busy(e, "The server's storage cannot be reached right now."),
  JOB_ALREADY_FINISHED: () => ({
    tone: "info",
    title: "The job had already finished.",
    detail: "Nothing was cancelled; every result is shown.",
  }),
  ALREADY_VOTED: () => ({ tone: "info", title: "You have already voted on this pair." }),
  INVALID_VOTE: (e) => ({ tone: "error", title: "This vote was not accepted.", detail: e.message }),
  IDEMPOTENCY_KEY_REUSED: () => ({
    tone: "error",
    title: "This request was changed while it was being sent.",
    detail: "Press Generate again.",
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
export function noticeFor(
  error: ApiError,
  now: Date = new Date(),
  action: Action = "other",
): Notice {
  if (error.code === "SPEND_LIMIT_REACHED") return spendLimit(error, now);
  if (error.status === 429) return rateLimited(error, now);
  const known = BY_CODE[error.code];
  if (known) return known(error, action);
  return {
    tone: "error",
    title: error.status >= 500 ? "The server ran into a problem." : "The request was not accepted.",
    detail: humanizeCodes(error.message),
  };
}
