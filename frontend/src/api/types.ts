// The API's shapes, as docs/openapi.yaml defines them.

export type JobStatus =
  "pending" | "in_progress" | "completed" | "partial" | "failed" | "cancelled";
export type ResultStatus = "pending" | "in_progress" | "completed" | "error" | "cancelled";
export type ErrorKind =
  | "auth"
  | "rate_limited"
  | "content_blocked"
  | "timeout"
  | "bad_response"
  | "provider_error"
  | "configuration";

/** The aspect ratios `POST /generate` accepts (a model gets the nearest one it supports). */
export const ASPECT_RATIOS = [
  "1:1",
  "16:9",
  "9:16",
  "4:3",
  "3:4",
  "3:2",
  "2:3",
  "21:9",
  "9:21",
] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

export interface GenerateRequest {
  prompt: string;
  steps?: number | null;
  guidance?: number | null;
  aspectRatio?: AspectRatio;
  /** 0 to 4294967295. */
  seed?: number;
  negativePrompt?: string;
}

export interface GenerateAccepted {
  jobId: string;
  status: "pending";
  totalModels: number;
}

export interface Enhancement {
  original: string;
  enhanced: string;
  warning?: string;
}

export interface ModelResult {
  index: number;
  model: string;
  provider: string;
  modelId: string;
  status: ResultStatus;
  startedAt?: string | null;
  completedAt?: string | null;
  duration?: number | null;
  imageKey?: string | null;
  imageUrl?: string | null;
  error?: string | null;
  errorKind?: ErrorKind | null;
  /** The price if completed; 0 if failed, timed out or cancelled. */
  costUsd?: number | null;
  /** The controls the model honoured, in the API's names (aspectRatio, seed, ...). */
  appliedParameters?: Record<string, unknown> | null;
  /** The controls the model did not honour: names, or names with a reason. */
  ignoredParameters?: string[] | Record<string, unknown> | null;
}

export interface Job {
  jobId: string;
  status: JobStatus;
  createdAt: string;
  updatedAt: string;
  totalModels: number;
  completedModels: number;
  prompt: string;
  target?: string;
  parameters: Record<string, unknown>;
  error?: string | null;
  results: ModelResult[];
  /** The cost so far (completed results). */
  costUsd?: number | null;
  /** What was reserved against the daily ceiling when the job started. */
  estimatedCostUsd?: number | null;
}

export interface GalleryItem {
  target: string;
  createdAt: string;
  prompt: string;
  imageCount: number;
}

export interface GalleryPage {
  galleries: GalleryItem[];
  nextCursor: string | null;
}

export interface GalleryImage {
  model: string;
  index?: number | null;
  provider?: string | null;
  modelId?: string | null;
  imageKey: string;
  imageUrl: string;
  prompt?: string | null;
  timestamp?: number | null;
  /** What the image cost (its model's price). */
  costUsd?: number | null;
}

export interface Gallery {
  target: string;
  images: GalleryImage[];
  /** The job that made it, when the server records it: its status has every outcome. */
  jobId?: string | null;
}

export interface ModelCapabilities {
  aspectRatios: string[];
  seed: boolean;
  negativePrompt: boolean;
  steps: boolean;
  guidance: boolean;
  text: boolean;
}

/** One configured model, as `GET /models` lists it. */
export interface ModelInfo {
  index: number;
  name: string;
  provider: string;
  modelId: string;
  priceUsd: number | null;
  capabilities: ModelCapabilities;
}

export interface ModelList {
  models: ModelInfo[];
}

/** Today's spend (UTC day) against the deployment's ceiling, from `GET /usage`. */
export interface Usage {
  date: string;
  spentUsd: number;
  reservedUsd: number;
  /** null: no ceiling. */
  limitUsd: number | null;
}

export interface VoteRequest {
  jobId: string;
  winner: number;
  loser: number;
  tie?: boolean;
}

export interface VoteCreated {
  voteId: string;
}

export interface LeaderboardEntry {
  name: string;
  provider: string;
  modelId: string;
  /** null until the model has votes. */
  rating: number | null;
  ci95: [number, number] | null;
  wins: number;
  losses: number;
  ties: number;
  votes: number;
  winRate: number | null;
  medianSeconds: number | null;
  priceUsd: number | null;
}

export interface Leaderboard {
  totalVotes: number;
  updatedAt: string | null;
  models: LeaderboardEntry[];
}

const TERMINAL: ReadonlySet<JobStatus> = new Set(["completed", "partial", "failed", "cancelled"]);

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL.has(status);
}

/** The API's limits on a generate request. */
export const LIMITS = {
  promptChars: 1000,
  steps: { min: 1, max: 150, default: 28 },
  guidance: { min: 0, max: 30, default: 7 },
  seed: { min: 0, max: 4_294_967_295 },
  negativePromptChars: 1000,
} as const;
