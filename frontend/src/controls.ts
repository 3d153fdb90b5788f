import {
  ASPECT_RATIOS,
  LIMITS,
  type AspectRatio,
  type GenerateRequest,
  type ModelInfo,
} from "./api/types";

/** Which generation controls to offer: only those a configured model uses. */
export interface Controls {
  aspectRatios: AspectRatio[];
  seed: boolean;
  negativePrompt: boolean;
  steps: boolean;
  guidance: boolean;
}

/** Before `GET /models` answers (or where it is missing), offer every control the API takes. */
export const EVERY_CONTROL: Controls = {
  aspectRatios: [...ASPECT_RATIOS],
  seed: true,
  negativePrompt: true,
  steps: true,
  guidance: true,
};

/** The controls at least one configured model honours, ratios in the API's order. */
export function controlsFor(models: ModelInfo[] | null): Controls {
  if (models === null) return EVERY_CONTROL;
  const ratios = new Set(models.flatMap((model) => model.capabilities.aspectRatios));
  const some = (key: "seed" | "negativePrompt" | "steps" | "guidance") =>
    models.some((model) => model.capabilities[key]);
  return {
    aspectRatios: ASPECT_RATIOS.filter((ratio) => ratios.has(ratio)),
    seed: some("seed"),
    negativePrompt: some("negativePrompt"),
    steps: some("steps"),
    guidance: some("guidance"),
  };
}

/** How many of the configured models honour a control, for the hint beside it. */
export function supportCount(
  models: ModelInfo[] | null,
  key: "seed" | "negativePrompt" | "steps" | "guidance",
): string | null {
  if (models === null) return null;
  const count = models.filter((model) => model.capabilities[key]).length;
  return `${count} of ${models.length} models use it`;
}

/** What the form holds, as typed. */
export interface Settings {
  aspectRatio: AspectRatio | "";
  seed: string;
  negativePrompt: string;
  steps: string;
  guidance: string;
}

export const DEFAULT_SETTINGS: Settings = {
  aspectRatio: "",
  seed: "",
  negativePrompt: "",
  steps: String(LIMITS.steps.default),
  guidance: String(LIMITS.guidance.default),
};

/** The number in `raw` if it lies within [min, max] (whole if `integer`), else null. */
export function parseBounded(
  raw: string,
  min: number,
  max: number,
  integer: boolean,
): number | null {
  if (raw.trim() === "") return null;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) return null;
  if (integer && !Number.isInteger(value)) return null;
  return value;
}

/** Which typed settings are invalid (empty seed is fine: "any"). */
export function invalidSettings(settings: Settings, controls: Controls): Set<keyof Settings> {
  const invalid = new Set<keyof Settings>();
  const { steps, guidance, seed } = LIMITS;
  if (controls.steps && parseBounded(settings.steps, steps.min, steps.max, true) === null) {
    invalid.add("steps");
  }
  if (
    controls.guidance &&
    parseBounded(settings.guidance, guidance.min, guidance.max, false) === null
  ) {
    invalid.add("guidance");
  }
  if (
    controls.seed &&
    settings.seed.trim() !== "" &&
    parseBounded(settings.seed, seed.min, seed.max, true) === null
  ) {
    invalid.add("seed");
  }
  if (controls.negativePrompt && [...settings.negativePrompt].length > LIMITS.negativePromptChars) {
    invalid.add("negativePrompt");
  }
  return invalid;
}

/** The request body: a control goes in only when offered and set, so the server's defaults
 * hold otherwise. Call it with valid settings. */
export function buildRequest(
  prompt: string,
  settings: Settings,
  controls: Controls,
): GenerateRequest {
  const request: GenerateRequest = { prompt: prompt.trim() };
  if (controls.steps) request.steps = Number(settings.steps);
  if (controls.guidance) request.guidance = Number(settings.guidance);
  if (settings.aspectRatio && controls.aspectRatios.includes(settings.aspectRatio)) {
    request.aspectRatio = settings.aspectRatio;
  }
  if (controls.seed && settings.seed.trim() !== "") request.seed = Number(settings.seed);
  const negative = settings.negativePrompt.trim();
  if (controls.negativePrompt && negative) request.negativePrompt = negative;
  return request;
}

/** The settings a stored job's parameters stand for, to reuse them. */
export function settingsFrom(parameters: Record<string, unknown>): Settings {
  const text = (value: unknown, fallback: string) =>
    typeof value === "number" || typeof value === "string" ? String(value) : fallback;
  const ratio = parameters.aspectRatio;
  return {
    aspectRatio: ASPECT_RATIOS.includes(ratio as AspectRatio) ? (ratio as AspectRatio) : "",
    seed: text(parameters.seed, ""),
    negativePrompt: text(parameters.negativePrompt, ""),
    steps: text(parameters.steps, DEFAULT_SETTINGS.steps),
    guidance: text(parameters.guidance, DEFAULT_SETTINGS.guidance),
  };
}

/** A random seed in the API's range. */
export function randomSeed(random: () => number = Math.random): number {
  return Math.floor(random() * (LIMITS.seed.max + 1));
}

const LABELS: Record<string, string> = {
  aspectRatio: "aspect ratio",
  seed: "seed",
  negativePrompt: "negative prompt",
  steps: "steps",
  guidance: "guidance",
};

/** A control's name in words ("negativePrompt" -> "negative prompt"). */
export function controlLabel(name: string): string {
  return LABELS[name] ?? name;
}

/** The settings of a job worth showing, in words: "aspect ratio 16:9 · seed 42". */
export function describeParameters(parameters: Record<string, unknown>): string {
  return Object.entries(parameters)
    .filter(([, value]) => value !== null && value !== undefined && value !== "")
    .map(([name, value]) => `${controlLabel(name)} ${String(value as string | number)}`)
    .join(" · ");
}
