import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { ApiError, NETWORK_ERROR } from "./api/client";
import type { Job } from "./api/types";
import { done, fakeApi, job, JOB_ID, result } from "./test/fixtures";

async function typeAndGenerate(prompt: string) {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText("Prompt"), prompt);
  await user.click(screen.getByRole("button", { name: "Generate" }));
}

describe("App", () => {
  it("shows a card per model at once, puts the job in the URL, and fills in from /status", async () => {
    let answer: (value: Job) => void = () => {};
    const api = fakeApi({
      generate: vi.fn(async () => ({ jobId: JOB_ID, status: "pending" as const, totalModels: 3 })),
      status: vi.fn(() => new Promise<Job>((resolve) => (answer = resolve))),
    });
    render(<App api={api} />);
    await typeAndGenerate("a red kite");
    expect(window.location.search).toBe(`?job=${JOB_ID}`);
    const waiting = await screen.findAllByText("Waiting");
    expect(waiting).toHaveLength(3);
    act(() => answer(job({ status: "completed", results: [done(1), done(2), done(3)] })));
    expect(await screen.findByText("3 of 3 done: every image is ready.")).toBeInTheDocument();
    expect(screen.getAllByRole("img")).toHaveLength(3);
    expect(api.status).toHaveBeenCalledWith(JOB_ID, expect.any(AbortSignal));
    await waitFor(() => expect(api.galleries).toHaveBeenCalledTimes(2)); // refreshed once finished
  });

  it("resumes the job named in the URL on load", async () => {
    window.history.replaceState(null, "", `/?job=${JOB_ID}`);
    const api = fakeApi({
      status: vi.fn(async () =>
        job({ results: [done(1), result(2, { status: "in_progress" }), result(3)] }),
      ),
    });
    render(<App api={api} />);
    expect(await screen.findByText("1 of 3 done")).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "“a red kite”" })).toBeInTheDocument();
  });

  it("explains a blocked prompt and starts no job", async () => {
    const blocked = new ApiError(
      400,
      "CONTENT_BLOCKED",
      "the prompt was refused by the content filter",
    );
    const api = fakeApi({ generate: vi.fn(async () => Promise.reject(blocked)) });
    render(<App api={api} />);
    await typeAndGenerate("something blocked");
    expect(
      await screen.findByText("This prompt was blocked by the content filter."),
    ).toBeInTheDocument();
    expect(window.location.search).toBe("");
    expect(api.status).not.toHaveBeenCalled();
  });

  it("says a lost connection is being retried and keeps the cards", async () => {
    window.history.replaceState(null, "", `/?job=${JOB_ID}`);
    const status = vi
      .fn()
      .mockResolvedValueOnce(job({ results: [done(1), result(2), result(3)] }))
      .mockRejectedValue(new ApiError(0, NETWORK_ERROR, "unreachable"));
    render(<App api={fakeApi({ status })} />);
    expect(
      await screen.findByText("Connection lost. Retrying…", {}, { timeout: 3000 }),
    ).toBeInTheDocument();
    expect(screen.getAllByRole("img")).toHaveLength(1);
  });

  it("says when a job in the URL does not exist", async () => {
    window.history.replaceState(null, "", `/?job=${JOB_ID}`);
    const missing = new ApiError(404, "JOB_NOT_FOUND", "no job with that id");
    render(<App api={fakeApi({ status: vi.fn(async () => Promise.reject(missing)) })} />);
    expect(await screen.findByText("This job was not found.")).toBeInTheDocument();
  });

  it("lists recent generations and reopens one", async () => {
    const target = "2026-11-26-10-00-00-abc123";
    const api = fakeApi({
      galleries: vi.fn(async () => ({
        galleries: [
          { target, createdAt: "2026-11-26T10:00:00Z", prompt: "a red kite", imageCount: 3 },
        ],
        nextCursor: null,
      })),
      gallery: vi.fn(async () => ({
        target,
        images: [1, 2].map((index) => ({
          model: `Model ${index}`,
          index,
          imageKey: `group-images/${target}/0${index}.png`,
          imageUrl: `http://127.0.0.1:8000/images/group-images/${target}/0${index}.png`,
          prompt: "a red kite",
        })),
      })),
    });
    render(<App api={api} />);
    const recent = screen.getByRole("region", { name: "Recent generations" });
    await userEvent.setup().click(await within(recent).findByRole("link", { name: /a red kite/ }));
    expect(window.location.search).toBe(`?gallery=${target}`);
    expect(await screen.findByRole("img", { name: "Model 2: a red kite" })).toBeInTheDocument();
    expect(api.gallery).toHaveBeenCalledWith(target);
  });
});
