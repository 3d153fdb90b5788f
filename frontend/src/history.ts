import type { GalleryItem } from "./api/types";

/** The generations whose prompt holds every word of `query`, any case. */
export function searchByPrompt(items: GalleryItem[], query: string): GalleryItem[] {
  const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return items;
  return items.filter((item) => {
    const prompt = item.prompt.toLocaleLowerCase();
    return words.every((word) => prompt.includes(word));
  });
}

/** Storage that may be missing or refuse writes (private mode, a full quota). */
export interface KeyValue {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function browserStorage(): KeyValue | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

const JOBS_KEY = "pixel-prompt:jobs";
const MAX_REMEMBERED = 200;

function readJobs(storage: KeyValue | null): Record<string, string> {
  try {
    const parsed = JSON.parse(storage?.getItem(JOBS_KEY) ?? "{}") as unknown;
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** Remember which job made a generation, so reopening it in this browser shows every model's
 * outcome (failures included), not only the stored images. */
export function rememberJob(
  target: string,
  jobId: string,
  storage: KeyValue | null = browserStorage(),
): void {
  const jobs = readJobs(storage);
  if (jobs[target] === jobId) return;
  const entries = Object.entries({ ...jobs, [target]: jobId }).slice(-MAX_REMEMBERED);
  try {
    storage?.setItem(JOBS_KEY, JSON.stringify(Object.fromEntries(entries)));
  } catch {
    // Not remembered: the generation then reopens with its images only.
  }
}

/** The job that made `target`, if this browser ran it. */
export function jobFor(target: string, storage: KeyValue | null = browserStorage()): string | null {
  return readJobs(storage)[target] ?? null;
}

const DENSITY_KEY = "pixel-prompt:density";
export type Density = "small" | "medium" | "large";
const DENSITIES: Density[] = ["small", "medium", "large"];

export function loadDensity(storage: KeyValue | null = browserStorage()): Density {
  const saved = storage?.getItem(DENSITY_KEY);
  return DENSITIES.includes(saved as Density) ? (saved as Density) : "medium";
}

export function saveDensity(density: Density, storage: KeyValue | null = browserStorage()): void {
  try {
    storage?.setItem(DENSITY_KEY, density);
  } catch {
    // The choice lasts for this page only.
  }
}

const DRAFT_KEY = "pixel-prompt:draft";

/** The prompt being written survives a reload (session storage: this tab only). */
export function loadDraft(): string {
  try {
    return window.sessionStorage.getItem(DRAFT_KEY) ?? "";
  } catch {
    return "";
  }
}

export function saveDraft(prompt: string): void {
  try {
    window.sessionStorage.setItem(DRAFT_KEY, prompt);
  } catch {
    // Lost on reload, as before.
  }
}
