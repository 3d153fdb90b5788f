import { describe, expect, it, vi } from "vitest";
import {
  ApiError,
  configuredBaseUrl,
  createApiClient,
  NETWORK_ERROR,
  parseRetryAfter,
} from "./client";

function respond(status: number, body: string, headers: Record<string, string> = {}) {
  return vi.fn(
    async (_url: RequestInfo | URL, _init?: RequestInit) => new Response(body, { status, headers }),
  );
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe("createApiClient", () => {
  it("posts JSON to the base URL and returns the parsed answer", async () => {
    const fetch = respond(202, '{"jobId": "j", "status": "pending", "totalModels": 3}');
    const api = createApiClient({ baseUrl: "https://api.example", fetch });
    const accepted = await api.generate({ prompt: "a kite", steps: 28, guidance: 7 });
    expect(accepted.totalModels).toBe(3);
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe("https://api.example/generate");
    expect(init?.method).toBe("POST");
    expect(JSON.parse(init?.body as string)).toEqual({ prompt: "a kite", steps: 28, guidance: 7 });
    expect(init?.headers).toEqual({ "Content-Type": "application/json" });
  });

  it("builds the read URLs, escaping what it puts in them", async () => {
    const fetch = respond(200, "{}");
    const api = createApiClient({ baseUrl: "", fetch });
    await api.status("a/b");
    await api.galleries();
    await api.galleries("0001-x");
    await api.gallery("t 1");
    expect(fetch.mock.calls.map(([url]) => url)).toEqual([
      "/status/a%2Fb",
      "/gallery",
      "/gallery?cursor=0001-x",
      "/gallery/t%201",
    ]);
  });

  it("turns the API's error body into an ApiError with its code and message", async () => {
    const body =
      '{"error": "the prompt was refused by the content filter", "code": "CONTENT_BLOCKED"}';
    const api = createApiClient({ baseUrl: "", fetch: respond(400, body) });
    const error = await failure(api.generate({ prompt: "x" }));
    expect(error).toMatchObject({ status: 400, code: "CONTENT_BLOCKED", retryable: false });
    expect(error.message).toBe("the prompt was refused by the content filter");
  });

  it("calls the arena, spend and cancel routes as the contract names them", async () => {
    const fetch = respond(200, "{}");
    const api = createApiClient({ baseUrl: "https://api.example", fetch });
    await api.models();
    await api.usage();
    await api.leaderboard();
    await api.vote({ jobId: "j", winner: 2, loser: 1 });
    await api.cancel("a/b");
    const calls = fetch.mock.calls.map(([url, init]) => [url, init?.method, init?.body ?? null]);
    expect(calls).toEqual([
      ["https://api.example/models", "GET", null],
      ["https://api.example/usage", "GET", null],
      ["https://api.example/leaderboard", "GET", null],
      ["https://api.example/votes", "POST", '{"jobId":"j","winner":2,"loser":1}'],
      ["https://api.example/jobs/a%2Fb/cancel", "POST", null],
    ]);
  });

  it("accepts a cancel answered 202 with no body, and passes an Idempotency-Key", async () => {
    const api = createApiClient({ baseUrl: "", fetch: respond(202, "") });
    await expect(api.cancel("j")).resolves.toBeUndefined();
    await expect(api.status("j")).rejects.toMatchObject({ code: "BAD_RESPONSE" });
    const fetch = respond(202, '{"jobId": "j", "status": "pending", "totalModels": 1}');
    await createApiClient({ baseUrl: "", fetch }).generate({ prompt: "x" }, "key-1");
    expect(fetch.mock.calls[0]![1]?.headers).toEqual({
      "Content-Type": "application/json",
      "Idempotency-Key": "key-1",
    });
  });

  it("reads a spend limit's code and when it resets", async () => {
    const body = '{"error": "the daily spend limit is reached", "code": "SPEND_LIMIT_REACHED"}';
    const api = createApiClient({
      baseUrl: "",
      fetch: respond(429, body, { "Retry-After": "3600" }),
    });
    const error = await failure(api.generate({ prompt: "x" }));
    expect(error).toMatchObject({ code: "SPEND_LIMIT_REACHED", retryAfterSeconds: 3600 });
  });

  it("reads Retry-After from a 429", async () => {
    const body = '{"error": "limit reached", "code": "RATE_LIMITED"}';
    const api = createApiClient({
      baseUrl: "",
      fetch: respond(429, body, { "Retry-After": "120" }),
    });
    const error = await failure(api.enhance("x"));
    expect(error).toMatchObject({ status: 429, code: "RATE_LIMITED", retryAfterSeconds: 120 });
  });

  it("reports an unreachable server as a retryable network error", async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError("Failed to fetch");
    });
    const error = await failure(createApiClient({ baseUrl: "", fetch }).status("j"));
    expect(error).toMatchObject({ status: 0, code: NETWORK_ERROR, retryable: true });
  });

  it("reports a gateway's non-JSON 502 as a retryable server error", async () => {
    const api = createApiClient({ baseUrl: "", fetch: respond(502, "<html>Bad Gateway</html>") });
    const error = await failure(api.status("j"));
    expect(error).toMatchObject({ status: 502, code: "HTTP_502", retryable: true });
  });

  it("gives up on a request that does not answer in time", async () => {
    const fetch = vi.fn(
      (_url: RequestInfo | URL, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener("abort", () =>
            reject(new DOMException("aborted", "AbortError")),
          );
        }),
    );
    const api = createApiClient({ baseUrl: "", fetch, timeoutMs: 5 });
    expect((await failure(api.status("j"))).code).toBe(NETWORK_ERROR);
  });

  it("aborts when the caller's signal does", async () => {
    let seen: AbortSignal | undefined;
    const fetch = vi.fn(
      (_url: RequestInfo | URL, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => {
          seen = init?.signal ?? undefined;
          init?.signal?.addEventListener("abort", () =>
            reject(new DOMException("aborted", "AbortError")),
          );
        }),
    );
    const caller = new AbortController();
    const pending = createApiClient({ baseUrl: "", fetch }).status("j", caller.signal);
    caller.abort();
    await failure(pending);
    expect(seen?.aborted).toBe(true);
  });
});

describe("configuredBaseUrl", () => {
  it("is the same origin by default and loses trailing slashes", () => {
    expect(configuredBaseUrl(undefined)).toBe("");
    expect(configuredBaseUrl(" https://abc.execute-api.us-west-2.amazonaws.com/ ")).toBe(
      "https://abc.execute-api.us-west-2.amazonaws.com",
    );
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds or an HTTP date, and nothing else", () => {
    const now = Date.parse("2026-11-26T10:00:00Z");
    expect(parseRetryAfter("38211", now)).toBe(38211);
    expect(parseRetryAfter("Thu, 26 Nov 2026 10:01:30 GMT", now)).toBe(90);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
