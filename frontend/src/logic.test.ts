import { unzipSync, strFromU8 } from "fflate";
import { describe, expect, it, vi } from "vitest";
import { ignoredNames, cardsFromJob, viewable } from "./cards";
import {
  buildRequest,
  controlsFor,
  DEFAULT_SETTINGS,
  describeParameters,
  EVERY_CONTROL,
  invalidSettings,
  randomSeed,
  settingsFrom,
  supportCount,
} from "./controls";
import { jobFor, rememberJob, searchByPrompt, type KeyValue } from "./history";
import { formatRate, percentOn, ratingScale } from "./leaderboard";
import { progressText, stillRunning, tabTitle } from "./progress";
import { clampView, panBy, RESET, step, swipeDirection, zoomAt } from "./viewer";
import { pairKey, pickPair, shownName } from "./voting";
import { entryName, slugify, zipCards } from "./zip";
import type { LeaderboardEntry } from "./api/types";
import { done, job, modelInfo, result } from "./test/fixtures";

function memory(): KeyValue & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
  };
}

describe("progress", () => {
  const running = job({
    results: [
      done(1),
      result(2, { status: "in_progress" }),
      result(3),
      result(4, { status: "error" }),
    ],
  });

  it("names the models still at work, in order", () => {
    expect(stillRunning(running)).toEqual(["Model B", "Model C"]);
    expect(stillRunning({ ...running, status: "cancelled" })).toEqual([]);
  });

  it("puts progress and the outcome in the tab title", () => {
    expect(tabTitle(running)).toBe("2/4 · Pixel Prompt");
    expect(tabTitle(job({ status: "completed", results: [done(1), done(2)] }))).toBe(
      "✓ Done 2/2 · Pixel Prompt",
    );
    expect(tabTitle({ ...running, status: "partial" })).toBe("✓ Done 2/4, 1 failed · Pixel Prompt");
    expect(tabTitle(null)).toBe("Pixel Prompt");
  });

  it("says a cancelled job kept its finished images", () => {
    expect(progressText({ ...running, status: "cancelled" })).toBe(
      "Cancelled: 1 of 4 done; the finished images are kept.",
    );
  });
});

describe("viewer steps and zoom", () => {
  it("steps through the images, wrapping at both ends", () => {
    expect(step(0, 1, 3)).toBe(1);
    expect(step(2, 1, 3)).toBe(0);
    expect(step(0, -1, 3)).toBe(2);
    expect(step(0, 1, 0)).toBe(0);
  });

  it("reads a horizontal swipe, not a scroll or a tap", () => {
    expect(swipeDirection(-80, 5)).toBe(1);
    expect(swipeDirection(80, 5)).toBe(-1);
    expect(swipeDirection(20, 0)).toBe(0);
    expect(swipeDirection(80, 90)).toBe(0);
  });

  it("zooms about the pointer and never pans past the image's edges", () => {
    const zoomed = zoomAt(RESET, 2, 50, 0, 200, 200);
    expect(zoomed.scale).toBe(2);
    // The point under the pointer stays put: (50 - x) / scale is the same before and after.
    expect((50 - zoomed.x) / zoomed.scale).toBeCloseTo(50);
    expect(panBy(zoomed, 1000, -1000, 200, 200)).toEqual({ scale: 2, x: 100, y: -100 });
    expect(clampView({ scale: 0.2, x: 30, y: 0 }, 200, 200)).toEqual(RESET);
    expect(zoomAt(RESET, 100, 0, 0, 200, 200).scale).toBe(8);
  });
});

describe("blind pairs", () => {
  const cards = cardsFromJob(
    job({ results: [done(1), done(2), done(3), result(4, { status: "error" })] }),
  );

  it("offers only finished images and no pair twice", () => {
    const voted = new Set([pairKey(1, 2), pairKey(3, 1)]);
    const pair = pickPair(cards, voted, () => 0.9)!;
    expect(pair.map((card) => card.index).sort()).toEqual([2, 3]);
    expect(pickPair(cards, new Set([...voted, pairKey(2, 3)]))).toBeNull();
  });

  it("puts either image on the left", () => {
    const sides = new Set([0.1, 0.9].map((r) => pickPair(cards, new Set(), () => r)![0].index));
    expect(sides.size).toBe(2);
  });

  it("hides names behind letters while blind", () => {
    expect(shownName(cards[0]!, 0, true)).toBe("Image A");
    expect(shownName(cards[0]!, 1, false)).toBe("Model A");
  });
});

describe("controls", () => {
  const models = [
    modelInfo(1, { aspectRatios: ["1:1", "16:9"], seed: true }),
    modelInfo(2, { aspectRatios: ["9:16", "1:1"], negativePrompt: true }),
  ];

  it("offers only what a configured model uses, ratios in the API's order", () => {
    expect(controlsFor(models)).toEqual({
      aspectRatios: ["1:1", "16:9", "9:16"],
      seed: true,
      negativePrompt: true,
      steps: false,
      guidance: false,
    });
    expect(controlsFor(null)).toBe(EVERY_CONTROL);
    expect(supportCount(models, "seed")).toBe("1 of 2 models use it");
  });

  it("sends a control only when it is offered and set", () => {
    const controls = controlsFor(models);
    expect(buildRequest(" a kite ", DEFAULT_SETTINGS, controls)).toEqual({ prompt: "a kite" });
    const settings = {
      ...DEFAULT_SETTINGS,
      aspectRatio: "16:9" as const,
      seed: "42",
      negativePrompt: " fog ",
    };
    expect(buildRequest("a kite", settings, controls)).toEqual({
      prompt: "a kite",
      aspectRatio: "16:9",
      seed: 42,
      negativePrompt: "fog",
    });
    expect(buildRequest("a kite", DEFAULT_SETTINGS, EVERY_CONTROL)).toEqual({
      prompt: "a kite",
      steps: 28,
      guidance: 7,
    });
  });

  it("checks the seed and the negative prompt against the API's bounds", () => {
    const bad = { ...DEFAULT_SETTINGS, seed: "4294967296", negativePrompt: "x".repeat(1001) };
    expect([...invalidSettings(bad, EVERY_CONTROL)].sort()).toEqual(["negativePrompt", "seed"]);
    expect(invalidSettings({ ...DEFAULT_SETTINGS, seed: "4294967295" }, EVERY_CONTROL).size).toBe(
      0,
    );
    expect(invalidSettings({ ...DEFAULT_SETTINGS, steps: "0" }, controlsFor(models)).size).toBe(0);
  });

  it("rolls seeds within range and reads a job's parameters back", () => {
    expect(randomSeed(() => 0)).toBe(0);
    expect(randomSeed(() => 0.9999999999)).toBe(4294967295);
    expect(settingsFrom({ aspectRatio: "3:2", seed: 7, steps: 30, guidance: null })).toEqual({
      aspectRatio: "3:2",
      seed: "7",
      negativePrompt: "",
      steps: "30",
      guidance: "7",
    });
    expect(describeParameters({ aspectRatio: "3:2", seed: 7, steps: null })).toBe(
      "aspect ratio 3:2 · seed 7",
    );
  });
});

describe("cards", () => {
  it("carries cost and the ignored controls, whichever shape the server uses", () => {
    const [card] = cardsFromJob(
      job({
        results: [
          {
            ...done(1),
            costUsd: 0.04,
            appliedParameters: { aspectRatio: "1:1" },
            ignoredParameters: { seed: "not supported" },
          },
        ],
      }),
    );
    expect(card).toMatchObject({
      costUsd: 0.04,
      applied: { aspectRatio: "1:1" },
      ignored: ["seed"],
    });
    expect(ignoredNames(["negativePrompt"])).toEqual(["negativePrompt"]);
    expect(ignoredNames(null)).toEqual([]);
  });

  it("shows a cancelled model as cancelled and only finished images in the viewer", () => {
    const cards = cardsFromJob(job({ results: [done(1), result(2, { status: "cancelled" })] }));
    expect(cards.map((card) => card.state)).toEqual(["done", "cancelled"]);
    expect(viewable(cards).map((card) => card.key)).toEqual(["1"]);
  });
});

describe("history", () => {
  const items = ["A red kite at dawn", "a lighthouse", "red fox"].map((prompt, i) => ({
    target: `t${i}`,
    createdAt: "2026-11-26T10:00:00Z",
    prompt,
    imageCount: 1,
  }));

  it("finds generations holding every word, in any case", () => {
    expect(searchByPrompt(items, "RED").map((item) => item.target)).toEqual(["t0", "t2"]);
    expect(searchByPrompt(items, "red kite").map((item) => item.target)).toEqual(["t0"]);
    expect(searchByPrompt(items, "  ")).toBe(items);
  });

  it("remembers which job made a generation, and survives a broken store", () => {
    const store = memory();
    rememberJob("t1", "job-1", store);
    expect(jobFor("t1", store)).toBe("job-1");
    expect(jobFor("t2", store)).toBeNull();
    store.data.set("pixel-prompt:jobs", "not json");
    expect(jobFor("t1", store)).toBeNull();
    const full: KeyValue = {
      getItem: () => null,
      setItem: () => {
        throw new Error("quota");
      },
    };
    expect(() => rememberJob("t1", "job-1", full)).not.toThrow();
    expect(jobFor("t1", null)).toBeNull();
  });
});

describe("zip", () => {
  it("names files by order and model, with the type's extension", () => {
    expect(slugify("  Ça fait DALL·E 3!  ")).toBe("ca-fait-dall-e-3");
    expect(slugify("!!!")).toBe("generation");
    expect(entryName(3, "Flux 1.1 [pro]", "image/jpeg", "http://x/a.png")).toBe(
      "03-flux-1-1-pro.jpg",
    );
    expect(entryName(12, "M", "", "http://x/a.webp?v=1")).toBe("12-m.webp");
  });

  it("zips every finished image and lists what is missing in the README", async () => {
    const cards = cardsFromJob(
      job({ results: [done(1), done(2), result(3, { status: "error" })] }),
    );
    const fetch = vi.fn(async (url: string) =>
      url.includes("02-")
        ? new Response("gone", { status: 404 })
        : new Response(new Uint8Array([137, 80, 78, 71]), {
            headers: { "Content-Type": "image/png" },
          }),
    );
    const { data, missing } = await zipCards(
      cards,
      "a red kite",
      "seed 7",
      fetch as unknown as typeof globalThis.fetch,
    );
    expect(missing).toEqual(["Model B"]);
    const files = unzipSync(data);
    expect(Object.keys(files).sort()).toEqual(["01-model-a.png", "README.txt"]);
    expect([...files["01-model-a.png"]!]).toEqual([137, 80, 78, 71]);
    const readme = strFromU8(files["README.txt"]!);
    expect(readme).toContain("Prompt: a red kite");
    expect(readme).toContain("Settings: seed 7");
    expect(readme).toContain("Model B: the image could not be downloaded");
    expect(readme).toContain("Model C: no image (failed)");
  });
});

describe("leaderboard scale", () => {
  const entry = (rating: number | null, ci95: [number, number] | null): LeaderboardEntry => ({
    name: "m",
    provider: "p",
    modelId: "i",
    rating,
    ci95,
    wins: 0,
    losses: 0,
    ties: 0,
    votes: 0,
    winRate: null,
    medianSeconds: null,
    priceUsd: null,
  });

  it("draws every interval on one padded scale", () => {
    const scale = ratingScale([
      entry(1100, [1050, 1150]),
      entry(900, [850, 960]),
      entry(null, null),
    ])!;
    expect(scale.min).toBeLessThan(850);
    expect(scale.max).toBeGreaterThan(1150);
    expect(percentOn(scale.min, scale)).toBe(0);
    expect(percentOn(scale.max + 50, scale)).toBe(100);
    expect(ratingScale([entry(null, null)])).toBeNull();
    expect(formatRate(0.625)).toBe("63%");
    expect(formatRate(null)).toBe("—");
  });
});
