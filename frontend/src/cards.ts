import type { ErrorKind, GalleryImage, Job, ModelResult } from "./api/types";

export type CardState = "waiting" | "running" | "done" | "failed" | "cancelled";

/** One model's tile, whether it comes from a running job or a stored generation. */
export interface Card {
  key: string;
  /** The result's index in its job (what a vote names); null when unknown. */
  index: number | null;
  model: string;
  /** The provider's model id, when known. */
  detail: string | null;
  state: CardState;
  startedAt: string | null;
  duration: number | null;
  imageUrl: string | null;
  error: string | null;
  errorKind: ErrorKind | null;
  costUsd: number | null;
  /** The controls the model honoured, and the names of those it ignored. */
  applied: Record<string, unknown>;
  ignored: string[];
}

const STATE: Record<ModelResult["status"], CardState> = {
  pending: "waiting",
  in_progress: "running",
  completed: "done",
  error: "failed",
  cancelled: "cancelled",
};

const byIndex = (a: { index?: number | null }, b: { index?: number | null }) =>
  (a.index ?? 0) - (b.index ?? 0);

/** `ignoredParameters` as names, whether the server sends a list or a name -> reason map. */
export function ignoredNames(ignored: ModelResult["ignoredParameters"]): string[] {
  if (!ignored) return [];
  return Array.isArray(ignored) ? ignored.map(String) : Object.keys(ignored);
}

const BLANK: Omit<Card, "key" | "model" | "state"> = {
  index: null,
  detail: null,
  startedAt: null,
  duration: null,
  imageUrl: null,
  error: null,
  errorKind: null,
  costUsd: null,
  applied: {},
  ignored: [],
};

export function cardsFromJob(job: Job): Card[] {
  return [...job.results].sort(byIndex).map((result) => ({
    ...BLANK,
    key: String(result.index),
    index: result.index,
    model: result.model,
    detail: result.modelId || null,
    state: STATE[result.status] ?? "waiting",
    startedAt: result.startedAt ?? null,
    duration: result.duration ?? null,
    imageUrl: result.imageUrl ?? null,
    error: result.error ?? null,
    errorKind: result.errorKind ?? null,
    costUsd: result.costUsd ?? null,
    applied: result.appliedParameters ?? {},
    ignored: ignoredNames(result.ignoredParameters),
  }));
}

export function cardsFromGallery(images: GalleryImage[]): Card[] {
  return [...images].sort(byIndex).map((image) => ({
    ...BLANK,
    key: image.imageKey,
    index: image.index ?? null,
    model: image.model,
    detail: image.modelId ?? null,
    state: "done",
    imageUrl: image.imageUrl,
    costUsd: image.costUsd ?? null,
  }));
}

/** Cards to show between `POST /generate` answering and the first status arriving. */
export function waitingCards(count: number): Card[] {
  return Array.from({ length: count }, (_, i) => ({
    ...BLANK,
    key: String(i + 1),
    model: `Model ${i + 1}`,
    state: "waiting",
  }));
}

/** The cards that have an image to show, in order: what the viewer steps through. */
export function viewable(cards: Card[]): Card[] {
  return cards.filter((card) => card.state === "done" && card.imageUrl !== null);
}

const ALT_PROMPT_CHARS = 200;

/** An image's alt text: which model drew it, and from what. */
export function altText(model: string, prompt: string): string {
  const text = prompt.length > ALT_PROMPT_CHARS ? `${prompt.slice(0, ALT_PROMPT_CHARS)}…` : prompt;
  return text ? `${model}: ${text}` : `Image by ${model}`;
}
