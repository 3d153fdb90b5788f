// The API's shapes, as docs/openapi.yaml defines them.

export type JobStatus = "pending" | "in_progress" | "completed" | "partial" | "failed";
export type ResultStatus = "pending" | "in_progress" | "completed" | "error";
export type ErrorKind =
  | "auth"
  | "rate_limited"
  | "content_blocked"
  | "timeout"
  | "bad_response"
  | "provider_error"
  | "configuration";

export interface GenerateRequest {
  prompt: string;
  steps?: number | null;
  guidance?: number | null;
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
}

export interface Gallery {
  target: string;
  images: GalleryImage[];
}

const TERMINAL: ReadonlySet<JobStatus> = new Set(["completed", "partial", "failed"]);

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL.has(status);
}

/** The API's limits on a generate request. */
export const LIMITS = {
  promptChars: 1000,
  steps: { min: 1, max: 150, default: 28 },
  guidance: { min: 0, max: 30, default: 7 },
} as const;
