import { vi } from "vitest";
import type { ApiClient } from "../api/client";
import type {
  Enhancement,
  Gallery,
  GenerateAccepted,
  Job,
  Leaderboard,
  ModelInfo,
  ModelList,
  ModelResult,
  Usage,
  VoteCreated,
} from "../api/types";

export const JOB_ID = "6f1c3a52-1b2c-4d5e-8f90-0123456789ab";

export function result(index: number, changes: Partial<ModelResult> = {}): ModelResult {
  return {
    index,
    model: `Model ${"ABC"[index - 1] ?? index}`,
    provider: "local",
    modelId: "local",
    status: "pending",
    ...changes,
  };
}

export function job(changes: Partial<Job> = {}): Job {
  const results = changes.results ?? [result(1), result(2), result(3)];
  const terminal = results.filter((r) => r.status === "completed" || r.status === "error");
  return {
    jobId: JOB_ID,
    status: "in_progress",
    createdAt: "2026-11-26T10:00:00.000Z",
    updatedAt: "2026-11-26T10:00:01.000Z",
    totalModels: results.length,
    completedModels: terminal.length,
    prompt: "a red kite",
    target: "2026-11-26-10-00-00-abc123",
    parameters: {},
    ...changes,
    results,
  };
}

export function done(index: number): ModelResult {
  return result(index, {
    status: "completed",
    duration: 1.5,
    imageUrl: `http://127.0.0.1:8000/images/group-images/t/0${index}-model.png`,
  });
}

/** `GET /models`' entry for model `index`: free, honouring no control unless `capabilities`
 * says so. */
export function modelInfo(
  index: number,
  capabilities: Partial<ModelInfo["capabilities"]> = {},
  changes: Partial<Omit<ModelInfo, "capabilities">> = {},
): ModelInfo {
  return {
    index,
    name: `Model ${index}`,
    provider: "local",
    modelId: "local",
    priceUsd: 0,
    ...changes,
    capabilities: {
      aspectRatios: [],
      seed: false,
      negativePrompt: false,
      steps: false,
      guidance: false,
      text: false,
      ...capabilities,
    },
  };
}

/** A promise that never settles: a call the test leaves unanswered. */
function never<T>(): Promise<T> {
  return new Promise<T>(() => {});
}

/** An ApiClient whose every method is a mock; the ones a test needs are given answers. */
export function fakeApi(overrides: Partial<ApiClient> = {}): ApiClient {
  return {
    generate: vi.fn(never<GenerateAccepted>),
    status: vi.fn(never<Job>),
    enhance: vi.fn(never<Enhancement>),
    galleries: vi.fn(async () => ({ galleries: [], nextCursor: null })),
    gallery: vi.fn(never<Gallery>),
    cancel: vi.fn(async () => ({})),
    models: vi.fn(never<ModelList>),
    usage: vi.fn(never<Usage>),
    vote: vi.fn(never<VoteCreated>),
    leaderboard: vi.fn(never<Leaderboard>),
    ...overrides,
  };
}
