import type {
  Enhancement,
  GalleryPage,
  Gallery,
  GenerateAccepted,
  GenerateRequest,
  Job,
  Leaderboard,
  ModelList,
  Usage,
  VoteCreated,
  VoteRequest,
} from "./types";

/** `code` of an ApiError when no answer came back (offline, refused, timed out). */
export const NETWORK_ERROR = "NETWORK_ERROR";
/** `code` of an ApiError for an answer that is not the JSON the contract promises. */
export const BAD_RESPONSE = "BAD_RESPONSE";

/** A failed call: the API's `{error, code}` body, or a network failure (status 0). */
export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds from `Retry-After`, on a 429. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }

  /** Worth trying again unchanged: no answer, a server fault or a rate limit. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export function toApiError(error: unknown): ApiError {
  return error instanceof ApiError
    ? error
    : new ApiError(0, NETWORK_ERROR, "the server could not be reached");
}

export interface ApiClient {
  /** `idempotencyKey`: the same key and body within 24 h return the same job, billed once. */
  generate(request: GenerateRequest, idempotencyKey?: string): Promise<GenerateAccepted>;
  cancel(jobId: string): Promise<unknown>;
  status(jobId: string, signal?: AbortSignal): Promise<Job>;
  enhance(prompt: string): Promise<Enhancement>;
  galleries(cursor?: string | null): Promise<GalleryPage>;
  gallery(target: string): Promise<Gallery>;
  models(): Promise<ModelList>;
  usage(): Promise<Usage>;
  vote(vote: VoteRequest): Promise<VoteCreated>;
  leaderboard(): Promise<Leaderboard>;
}

export interface ClientOptions {
  /** The API's origin (and path prefix); "" means the page's own origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** A call that has not answered by then fails as a network error. */
  timeoutMs?: number;
}

/** `VITE_API_URL` from the build, without a trailing slash; "" (same origin) when unset. */
export function configuredBaseUrl(raw: string | undefined = import.meta.env.VITE_API_URL): string {
  return (raw ?? "").trim().replace(/\/+$/, "");
}

/** `Retry-After` in seconds: either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === "") return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

function isErrorBody(value: unknown): value is { error: string; code: string } {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { error?: unknown }).error === "string" &&
    typeof (value as { code?: unknown }).code === "string"
  );
}

interface CallOptions {
  signal?: AbortSignal | undefined;
  headers?: Record<string, string>;
  /** A success without a JSON body is fine (the caller ignores the body). */
  emptyOk?: boolean;
}

export function createApiClient(options: ClientOptions = {}): ApiClient {
  const baseUrl = options.baseUrl ?? configuredBaseUrl();
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = options.timeoutMs ?? 20_000;

  async function call<T>(
    method: "GET" | "POST",
    path: string,
    body?: unknown,
    { signal, headers: extraHeaders = {}, emptyOk = false }: CallOptions = {},
  ): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const abort = () => controller.abort();
    signal?.addEventListener("abort", abort);
    let response: Response;
    let payload: unknown;
    try {
      response = await fetchImpl(baseUrl + path, {
        method,
        headers:
          body === undefined
            ? extraHeaders
            : { "Content-Type": "application/json", ...extraHeaders },
        body: body === undefined ? null : JSON.stringify(body),
        signal: controller.signal,
      });
      const text = await response.text();
      try {
        payload = JSON.parse(text) as unknown;
      } catch {
        payload = undefined;
      }
    } catch {
      throw new ApiError(0, NETWORK_ERROR, "the server could not be reached");
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", abort);
    }
    if (response.ok) {
      if (payload === undefined && !emptyOk) {
        throw new ApiError(response.status, BAD_RESPONSE, "the server's answer was not understood");
      }
      return payload as T;
    }
    const retryAfter = parseRetryAfter(response.headers.get("Retry-After"));
    if (isErrorBody(payload)) {
      throw new ApiError(response.status, payload.code, payload.error, retryAfter);
    }
    throw new ApiError(
      response.status,
      `HTTP_${response.status}`,
      `the server answered ${response.status}`,
      retryAfter,
    );
  }

  return {
    generate: (request, idempotencyKey) =>
      call<GenerateAccepted>("POST", "/generate", request, {
        headers: idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {},
      }),
    // 202; what the body says does not matter, the job's status will.
    cancel: (jobId) =>
      call<unknown>("POST", `/jobs/${encodeURIComponent(jobId)}/cancel`, undefined, {
        emptyOk: true,
      }),
    status: (jobId, signal) =>
      call<Job>("GET", `/status/${encodeURIComponent(jobId)}`, undefined, { signal }),
    enhance: (prompt) => call<Enhancement>("POST", "/enhance", { prompt }),
    galleries: (cursor) =>
      call<GalleryPage>(
        "GET",
        cursor ? `/gallery?cursor=${encodeURIComponent(cursor)}` : "/gallery",
      ),
    gallery: (target) => call<Gallery>("GET", `/gallery/${encodeURIComponent(target)}`),
    models: () => call<ModelList>("GET", "/models"),
    usage: () => call<Usage>("GET", "/usage"),
    vote: (vote) => call<VoteCreated>("POST", "/votes", vote),
    leaderboard: () => call<Leaderboard>("GET", "/leaderboard"),
  };
}
