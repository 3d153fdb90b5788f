import type { GalleryImage, Job, ModelResult } from "./api/types";

export type CardState = "waiting" | "running" | "done" | "failed";

/** One model's tile, whether it comes from a running job or a stored generation. */
export interface Card {
  key: string;
  model: string;
  /** The provider's model id, when known. */
  detail: string | null;
  state: CardState;
  startedAt: string | null;
  duration: number | null;
  imageUrl: string | null;
  error: string | null;
}

const STATE: Record<ModelResult["status"], CardState> = {
  pending: "waiting",
  in_progress: "running",
  completed: "done",
  error: "failed",
};

const byIndex = (a: { index?: number | null }, b: { index?: number | null }) =>
  (a.index ?? 0) - (b.index ?? 0);

export function cardsFromJob(job: Job): Card[] {
  return [...job.results].sort(byIndex).map((result) => ({
    key: String(result.index),
    model: result.model,
    detail: result.modelId || null,
    state: STATE[result.status],
    startedAt: result.startedAt ?? null,
    duration: result.duration ?? null,
    imageUrl: result.imageUrl ?? null,
    error: result.error ?? null,
  }));
}

export function cardsFromGallery(images: GalleryImage[]): Card[] {
  return [...images].sort(byIndex).map((image) => ({
    key: image.imageKey,
    model: image.model,
    detail: image.modelId ?? null,
    state: "done",
    startedAt: null,
    duration: null,
    imageUrl: image.imageUrl,
    error: null,
  }));
}

/** Cards to show between `POST /generate` answering and the first status arriving. */
export function waitingCards(count: number): Card[] {
  return Array.from({ length: count }, (_, i) => ({
    key: String(i + 1),
    model: `Model ${i + 1}`,
    detail: null,
    state: "waiting",
    startedAt: null,
    duration: null,
    imageUrl: null,
    error: null,
  }));
}

const ALT_PROMPT_CHARS = 200;

/** An image's alt text: which model drew it, and from what. */
export function altText(model: string, prompt: string): string {
  const text = prompt.length > ALT_PROMPT_CHARS ? `${prompt.slice(0, ALT_PROMPT_CHARS)}…` : prompt;
  return text ? `${model}: ${text}` : `Image by ${model}`;
}
