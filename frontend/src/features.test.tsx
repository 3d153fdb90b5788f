import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { ApiError } from "./api/client";
import type { Job } from "./api/types";
import { cardsFromJob } from "./cards";
import { LeaderboardPage } from "./components/LeaderboardPage";
import { ResultsGrid } from "./components/ResultsGrid";
import { rememberJob } from "./history";
import { done, fakeApi, job, JOB_ID, modelInfo, result } from "./test/fixtures";

const TARGET = "2026-11-26-10-00-00-abc123";

describe("a running job", () => {
  it("turns Generate into Cancel, cancels, then offers Run again; the tab shows progress", async () => {
    let current: Job = job({ results: [done(1), result(2, { status: "in_progress" }), result(3)] });
    const api = fakeApi({
      generate: vi.fn(async () => ({ jobId: JOB_ID, status: "pending" as const, totalModels: 3 })),
      status: vi.fn(async () => current),
      cancel: vi.fn(async () => {
        current = job({
          status: "cancelled",
          results: [
            done(1),
            result(2, { status: "cancelled" }),
            result(3, { status: "cancelled" }),
          ],
          completedModels: 3, // as the server counts: every model that stopped
        });
        return {};
      }),
    });
    const user = userEvent.setup();
    render(<App api={api} />);
    await user.type(screen.getByLabelText("Prompt"), "a red kite");
    await user.click(screen.getByRole("button", { name: "Generate" }));
    const cancel = await screen.findByRole("button", { name: "Cancel" });
    expect(screen.queryByRole("button", { name: "Generate" })).not.toBeInTheDocument();
    await waitFor(() => expect(document.title).toBe("1/3 · Pixel Prompt"));
    expect(screen.getByText("Still running (2): Model B, Model C")).toBeInTheDocument();

    await user.click(cancel);
    expect(api.cancel).toHaveBeenCalledWith(JOB_ID);
    expect(
      await screen.findByText("Cancelled: 1 of 3 done; the finished images are kept."),
    ).toBeInTheDocument();
    expect(screen.getAllByText("Cancelled")).toHaveLength(2);
    expect(screen.getByRole("button", { name: "Run again" })).toBeEnabled();
    expect(document.title).toBe("Cancelled 1/3 · Pixel Prompt");
  });

  it("shows each card's cost, the job's total and today's spend against the ceiling", async () => {
    window.history.replaceState(null, "", `/?job=${JOB_ID}`);
    const api = fakeApi({
      status: vi.fn(async () =>
        job({
          status: "completed",
          results: [
            { ...done(1), costUsd: 0.04, ignoredParameters: ["seed"] },
            { ...done(2), costUsd: 0.08 },
          ],
          costUsd: 0.12,
          estimatedCostUsd: 0.12,
        }),
      ),
      usage: vi.fn(async () => ({
        date: "2026-11-26",
        spentUsd: 1.2,
        reservedUsd: 0,
        limitUsd: 10,
      })),
    });
    render(<App api={api} />);
    expect(await screen.findByText("Cost $0.12", {}, { timeout: 5000 })).toBeInTheDocument();
    expect(screen.getByText("$0.04")).toBeInTheDocument();
    expect(screen.getByText("$0.08")).toBeInTheDocument();
    expect(screen.getByText("Ignored: seed")).toBeInTheDocument();
    expect(
      await screen.findByText("Today $1.20 of $10.00", {}, { timeout: 5000 }),
    ).toBeInTheDocument();
  });

  it("shows only the message for an unknown job, not Starting… above it", async () => {
    window.history.replaceState(null, "", `/?job=${JOB_ID}`);
    const missing = new ApiError(404, "JOB_NOT_FOUND", "no job with that id");
    render(<App api={fakeApi({ status: vi.fn(async () => Promise.reject(missing)) })} />);
    expect(await screen.findByText("This job was not found.")).toBeInTheDocument();
    expect(screen.queryByText("Starting…")).not.toBeInTheDocument();
    expect(screen.queryByText("Waiting for the first update…")).not.toBeInTheDocument();
  });
});

describe("generation controls", () => {
  it("offers what the models use and sends the chosen aspect ratio, seed and no steps", async () => {
    const api = fakeApi({
      models: vi.fn(async () => ({
        models: [
          modelInfo(1, { aspectRatios: ["1:1", "16:9"], seed: true }, { priceUsd: 0.04 }),
          modelInfo(2, { aspectRatios: ["9:16"], seed: true }, { priceUsd: 0.04 }),
        ],
      })),
      generate: vi.fn(async () => Promise.reject(new ApiError(400, "INVALID_REQUEST", "x"))),
    });
    const user = userEvent.setup();
    render(<App api={api} />);
    await user.type(screen.getByLabelText("Prompt"), "a kite");
    await user.click(screen.getByRole("button", { name: "Advanced" }));
    const ratio = await screen.findByLabelText("Aspect ratio");
    expect(
      within(ratio)
        .getAllByRole("option")
        .map((o) => o.textContent),
    ).toEqual(["Each model's default", "1:1", "16:9", "9:16"]);
    expect(screen.queryByLabelText("Steps")).not.toBeInTheDocument();
    expect(screen.queryByLabelText("Negative prompt")).not.toBeInTheDocument();
    await user.selectOptions(ratio, "16:9");
    await user.type(screen.getByLabelText("Seed"), "42");
    await user.click(screen.getByRole("button", { name: "Generate" }));
    expect(api.generate).toHaveBeenCalledWith({ prompt: "a kite", aspectRatio: "16:9", seed: 42 });
  });

  it("rolls a seed with the dice", async () => {
    const user = userEvent.setup();
    render(<App api={fakeApi()} />);
    await user.click(screen.getByRole("button", { name: "Advanced" }));
    await user.click(screen.getByRole("button", { name: "Roll a random seed" }));
    const seed = screen.getByLabelText<HTMLInputElement>("Seed");
    expect(seed.value).toMatch(/^\d+$/);
    expect(Number(seed.value)).toBeLessThanOrEqual(4294967295);
  });

  it("says when the daily spend limit resets", async () => {
    const api = fakeApi({
      generate: vi.fn(async () =>
        Promise.reject(new ApiError(429, "SPEND_LIMIT_REACHED", "limit", 7200)),
      ),
    });
    const user = userEvent.setup();
    render(<App api={api} />);
    await user.type(screen.getByLabelText("Prompt"), "a kite");
    await user.click(screen.getByRole("button", { name: "Generate" }));
    expect(
      await screen.findByText("Today's spending limit for this deployment is reached."),
    ).toBeInTheDocument();
    expect(screen.getByText(/resets at midnight UTC, in 2 h 00 min/)).toBeInTheDocument();
  });
});

describe("the viewer and side by side", () => {
  const cards = cardsFromJob(job({ status: "completed", results: [done(1), done(2), done(3)] }));

  it("steps with the arrow keys and closes with the browser's Back button", async () => {
    const user = userEvent.setup();
    render(<ResultsGrid cards={cards} prompt="a red kite" />);
    await user.click(screen.getByRole("button", { name: "View the Model B image larger" }));
    expect(screen.getByRole("dialog", { name: "Model B" })).toBeInTheDocument();
    await user.keyboard("{ArrowRight}");
    expect(screen.getByRole("dialog", { name: "Model C" })).toBeInTheDocument();
    await user.keyboard("{ArrowRight}");
    expect(screen.getByRole("dialog", { name: "Model A" })).toBeInTheDocument();
    await user.keyboard("{ArrowLeft}");
    expect(screen.getByRole("dialog", { name: "Model C" })).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Previous image" }));
    expect(screen.getByRole("dialog", { name: "Model B" })).toBeInTheDocument();
    act(() => {
      window.dispatchEvent(new PopStateEvent("popstate", { state: null }));
    });
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  it("votes blind: names hidden until the vote, then revealed and sent as indices", async () => {
    const api = fakeApi({ vote: vi.fn(async () => ({ voteId: "v1" })) });
    const user = userEvent.setup();
    render(<ResultsGrid cards={cards} prompt="a red kite" vote={{ api, jobId: JOB_ID }} />);
    await user.click(screen.getByRole("button", { name: "Vote blind" }));
    const dialog = screen.getByRole("dialog", { name: "Which is better? (blind)" });
    expect(within(dialog).queryByText(/Model [ABC]/)).not.toBeInTheDocument();
    await user.click(within(dialog).getByRole("button", { name: "Image A is better" }));
    const sent = vi.mocked(api.vote).mock.calls[0]![0];
    expect(sent.jobId).toBe(JOB_ID);
    expect(sent.winner).not.toBe(sent.loser);
    const names = { 1: "Model A", 2: "Model B", 3: "Model C" } as Record<number, string>;
    expect(
      within(dialog).getByText(`Vote recorded: ${names[sent.winner]} beat ${names[sent.loser]}.`),
    ).toBeInTheDocument();
    await user.click(within(dialog).getByRole("button", { name: "Next pair" }));
    expect(within(dialog).getByRole("button", { name: "Tie" })).toBeInTheDocument();
  });

  it("compares two picked images with one zoom for both", async () => {
    const user = userEvent.setup();
    render(<ResultsGrid cards={cards} prompt="a red kite" />);
    const side = screen.getByRole("button", { name: /Side by side/ });
    expect(side).toBeDisabled();
    await user.click(screen.getByRole("checkbox", { name: "Compare Model A" }));
    await user.click(screen.getByRole("checkbox", { name: "Compare Model C" }));
    await user.click(side);
    const dialog = screen.getByRole("dialog", { name: "Side by side" });
    await user.click(within(dialog).getByRole("button", { name: "Zoom in" }));
    const transforms = within(dialog)
      .getAllByRole("img")
      .map((img) => img.style.transform);
    expect(transforms).toHaveLength(2);
    expect(transforms[0]).toContain("scale(1.5)");
    expect(transforms[1]).toBe(transforms[0]);
    expect(within(dialog).queryByRole("group", { name: "Your vote" })).not.toBeInTheDocument();
  });
});

describe("history and the leaderboard", () => {
  const gallery = {
    target: TARGET,
    images: [
      {
        model: "Model A",
        index: 1,
        imageKey: `group-images/${TARGET}/01.png`,
        imageUrl: `http://127.0.0.1:8000/images/group-images/${TARGET}/01.png`,
        prompt: "a red kite",
      },
    ],
  };

  it("reopens a generation run here with every outcome, failures, cost and settings", async () => {
    rememberJob(TARGET, JOB_ID);
    window.history.replaceState(null, "", `/?gallery=${TARGET}`);
    const api = fakeApi({
      gallery: vi.fn(async () => gallery),
      status: vi.fn(async () =>
        job({
          status: "partial",
          parameters: { aspectRatio: "16:9", seed: 7 },
          results: [
            done(1),
            result(2, {
              status: "error",
              errorKind: "timeout",
              error: "no answer within 120 seconds",
            }),
          ],
        }),
      ),
    });
    render(<App api={api} />);
    expect(
      await screen.findByText("Failed: no answer in time", {}, { timeout: 5000 }),
    ).toBeInTheDocument();
    expect(
      screen.getByText("Reopened from the history · aspect ratio 16:9 · seed 7"),
    ).toBeInTheDocument();
    expect(api.status).toHaveBeenCalledWith(JOB_ID, expect.any(AbortSignal));
    await userEvent.setup().click(screen.getByRole("button", { name: "Reuse prompt" }));
    expect(window.location.search).toBe("");
    expect(screen.getByLabelText("Prompt")).toHaveValue("a red kite");
    expect(screen.getByLabelText("Aspect ratio")).toHaveValue("16:9");
  });

  it("lists generations with a thumbnail, says they are shared, and searches them", async () => {
    const api = fakeApi({
      galleries: vi.fn(async () => ({
        galleries: [
          {
            target: TARGET,
            createdAt: "2026-11-26T10:00:00Z",
            prompt: "a red kite",
            imageCount: 1,
          },
          { target: "t2", createdAt: "2026-11-26T09:00:00Z", prompt: "a fox", imageCount: 2 },
        ],
        nextCursor: null,
      })),
      gallery: vi.fn(async () => gallery),
    });
    const user = userEvent.setup();
    render(<App api={api} />);
    const recent = screen.getByRole("region", { name: "Recent generations" });
    expect(
      within(recent).getByText(
        "Generations on this deployment are visible to everyone who uses it.",
      ),
    ).toBeInTheDocument();
    await waitFor(() => expect(recent.querySelectorAll(".recent-thumb img")).toHaveLength(2));
    await user.type(within(recent).getByLabelText("Search prompts"), "FOX");
    expect(
      within(recent)
        .getAllByRole("link")
        .map((link) => link.textContent),
    ).toEqual([expect.stringContaining("a fox")]);
    expect(within(recent).getByText("1 of 2 loaded generations match.")).toBeInTheDocument();
  });

  it("ranks models with an interval bar, votes, win rate, time and price", async () => {
    const api = fakeApi({
      leaderboard: vi.fn(async () => ({
        totalVotes: 4,
        updatedAt: "2026-11-26T10:00:00Z",
        models: [
          {
            name: "Flux",
            provider: "bfl",
            modelId: "flux-pro",
            rating: 1080.4,
            ci95: [1020, 1140] as [number, number],
            wins: 3,
            losses: 1,
            ties: 0,
            votes: 4,
            winRate: 0.75,
            medianSeconds: 6.2,
            priceUsd: 0.04,
          },
          {
            name: "Unvoted",
            provider: "local",
            modelId: "local",
            rating: null,
            ci95: null,
            wins: 0,
            losses: 0,
            ties: 0,
            votes: 0,
            winRate: null,
            medianSeconds: null,
            priceUsd: 0,
          },
        ],
      })),
    });
    render(<LeaderboardPage api={api} />);
    const flux = (await screen.findByRole("rowheader", { name: /Flux/ })).closest("tr")!;
    expect(within(flux).getByText("1080")).toBeInTheDocument();
    expect(within(flux).getByRole("img", { name: "1020 to 1140" })).toBeInTheDocument();
    expect(within(flux).getByText("75%")).toBeInTheDocument();
    expect(within(flux).getByText("6.2 s")).toBeInTheDocument();
    expect(within(flux).getByText("$0.04")).toBeInTheDocument();
    const unvoted = screen.getByRole("rowheader", { name: /Unvoted/ }).closest("tr")!;
    expect(within(unvoted).getByText("no votes yet")).toBeInTheDocument();
  });
});
