import { describe, expect, it } from "vitest";
import { ApiError, NETWORK_ERROR } from "./api/client";
import {
  formatDuration,
  formatUsd,
  formatWait,
  humanizeCodes,
  noticeFor,
  splitEnhancementNote,
} from "./messages";

describe("noticeFor", () => {
  it("says when to retry after a rate limit, in words and as a time of day", () => {
    const now = new Date(2026, 10, 26, 9, 30);
    const error = new ApiError(
      429,
      "RATE_LIMITED",
      "this address's daily request limit is reached",
      5400,
    );
    const notice = noticeFor(error, now);
    const at = new Date(2026, 10, 26, 11, 0).toLocaleTimeString([], {
      hour: "2-digit",
      minute: "2-digit",
    });
    expect(notice.title).toBe(`Rate limit reached. Try again in 1 h 30 min (at ${at}).`);
    expect(notice.detail).toBe("this address's daily request limit is reached");
  });

  it("explains a blocked prompt, a lost connection and a missing job", () => {
    expect(noticeFor(new ApiError(400, "CONTENT_BLOCKED", "refused")).title).toMatch(/blocked/);
    expect(noticeFor(new ApiError(0, NETWORK_ERROR, "x")).title).toMatch(/could not be reached/);
    expect(noticeFor(new ApiError(404, "JOB_NOT_FOUND", "x")).title).toMatch(/job was not found/);
  });

  it("falls back to the server's own words for codes it does not know", () => {
    const notice = noticeFor(new ApiError(500, "INTERNAL_ERROR", "internal error; quote the id"));
    expect(notice).toEqual({
      tone: "error",
      title: "The server ran into a problem.",
      detail: "internal error; quote the id",
    });
  });
});

describe("formatting", () => {
  it("words a wait", () => {
    expect([0.2, 1, 45, 61, 3600, 38211].map(formatWait)).toEqual([
      "1 second",
      "1 second",
      "45 seconds",
      "2 minutes",
      "1 h 00 min",
      "10 h 37 min",
    ]);
  });

  it("words a duration", () => {
    expect([1.53, 3, 12.4, 65].map(formatDuration)).toEqual(["1.5 s", "3 s", "12 s", "1 min 05 s"]);
  });
});

describe("money, codes and notes", () => {
  it("formats money", () => {
    expect(formatUsd(0)).toBe("$0");
    expect(formatUsd(0.04)).toBe("$0.04");
    expect(formatUsd(1.2)).toBe("$1.20");
    expect(formatUsd(0.0035)).toBe("$0.0035");
  });

  it("never shows a raw failure code", () => {
    expect(humanizeCodes("enhancement is unavailable (provider_error); prompt unchanged")).toBe(
      "enhancement is unavailable (the provider reported an error); prompt unchanged",
    );
  });

  it("takes the preview's note out of the enhanced prompt", () => {
    expect(
      splitEnhancementNote(
        "a fox, sharp focus (local preview enhancement: configure a text-capable model for real rewrites)",
      ),
    ).toEqual({
      prompt: "a fox, sharp focus",
      note: "local preview enhancement: configure a text-capable model for real rewrites",
    });
    expect(splitEnhancementNote("a fox (at night)")).toEqual({
      prompt: "a fox (at night)",
      note: null,
    });
  });

  it("explains the spending limit and when it resets", () => {
    const now = new Date("2026-11-26T21:00:00Z");
    const notice = noticeFor(
      new ApiError(429, "SPEND_LIMIT_REACHED", "daily spend limit reached", 3 * 3600),
      now,
    );
    expect(notice.title).toBe("Today's spending limit for this deployment is reached.");
    expect(notice.detail).toMatch(
      /^No job was started and nothing was billed\. It resets at midnight UTC, in 3 h 00 min \(at .+\)\.$/,
    );
  });

  it("does not say no images were generated when Enhance meets a blocked prompt", () => {
    const blocked = new ApiError(400, "CONTENT_BLOCKED", "blocked");
    expect(noticeFor(blocked, new Date(), "enhance").detail).toBe(
      "It was not enhanced. Please reword it.",
    );
    expect(noticeFor(blocked, new Date(), "generate").detail).toMatch(/^No images were generated/);
  });
});

describe("a busy server", () => {
  it("says to try again shortly, not that a limit was reached", () => {
    const notice = noticeFor(new ApiError(503, "SERVICE_BUSY", "busy", 2));
    expect(notice).toEqual({
      tone: "warning",
      title: "The server is busy right now.",
      detail: "Please try again in 2 seconds.",
    });
    expect(noticeFor(new ApiError(503, "STORAGE_UNAVAILABLE", "down")).detail).toBe(
      "Please try again shortly.",
    );
  });
});
