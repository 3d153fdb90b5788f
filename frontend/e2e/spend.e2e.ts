// Cancel, cost, the daily ceiling and the generation controls, in Chromium against local
// servers whose three preview models are priced at $0.05 an image: one with a $100 daily
// ceiling, one (fresh, for the ceiling itself) with $0.25, which one job fits and two do not.
// A test whose route has not landed in the backend yet is skipped with a note saying so.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS, startServer, sharedSession, type LocalServer } from "./harness";

const MODELS = ["Local Preview Sunrise", "Local Preview Dusk", "Local Preview Night"];
const JOB_URL = /\?job=[0-9a-f-]{36}$/;
const WAIT = { timeout: 30_000 };
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

const routes = { cancel: false, usage: false, models: false };

/** Which of the new routes this backend has: an unknown route answers 404 NOT_FOUND. */
async function probe(baseUrl: string) {
  const unknownJob = "00000000-0000-4000-8000-000000000000";
  const cancel = await fetch(`${baseUrl}/jobs/${unknownJob}/cancel`, { method: "POST" });
  routes.cancel = ((await cancel.json()) as { code?: string }).code === "JOB_NOT_FOUND";
  routes.usage = (await fetch(`${baseUrl}/usage`)).ok;
  routes.models = (await fetch(`${baseUrl}/models`)).ok;
}

function priced(limitUsd: string, delaySeconds: string): Record<string, string> {
  const variables: Record<string, string> = {
    LOCAL_PREVIEW_DELAY_SECONDS: delaySeconds,
    DAILY_SPEND_LIMIT_USD: limitUsd,
    MODEL_COUNT: "3",
  };
  MODELS.forEach((name, i) => {
    variables[`MODEL_${i + 1}_NAME`] = name;
    variables[`MODEL_${i + 1}_PROVIDER`] = "local";
    variables[`MODEL_${i + 1}_PRICE_USD`] = "0.05";
  });
  return variables;
}

const session = sharedSession(priced("100", "2.5"), (server) => probe(server.baseUrl));

async function open(url: string, viewport = DESKTOP): Promise<Page> {
  return session.open(url, { viewport });
}

async function generate(page: Page, prompt: string) {
  await page.getByLabel("Prompt", { exact: true }).fill(prompt);
  await page.getByRole("button", { name: "Generate" }).click();
}

describe("controls", () => {
  it("sends the aspect ratio, seed and negative prompt the person sets to /generate", async () => {
    const page = await open(session.server.baseUrl);
    await page.getByRole("button", { name: "Advanced" }).click();
    const offered = {
      ratio: await page.getByLabel("Aspect ratio").isVisible(),
      seed: await page.getByLabel("Seed", { exact: true }).isVisible(),
      negative: await page.getByLabel("Negative prompt").isVisible(),
    };
    if (!routes.models) expect(offered).toEqual({ ratio: true, seed: true, negative: true });
    const expected: Record<string, unknown> = { prompt: "a kite at noon" };
    if (offered.ratio) {
      const ratio = (await page.getByLabel("Aspect ratio").locator("option").allTextContents())[1]!;
      await page.getByLabel("Aspect ratio").selectOption(ratio);
      expected.aspectRatio = ratio;
    }
    if (offered.seed) {
      await page.getByRole("button", { name: "Roll a random seed" }).click();
      expect(await page.getByLabel("Seed", { exact: true }).inputValue()).toMatch(/^\d+$/);
      await page.getByLabel("Seed", { exact: true }).fill("42");
      expected.seed = 42;
    }
    if (offered.negative) {
      await page.getByLabel("Negative prompt").fill("blurry, text");
      expected.negativePrompt = "blurry, text";
    }
    await page.screenshot({ path: join(ARTIFACTS, "controls-desktop.png") });
    const [request] = await Promise.all([
      page.waitForRequest((r) => r.url().endsWith("/generate") && r.method() === "POST"),
      generate(page, "a kite at noon"),
    ]);
    expect(request.postDataJSON()).toMatchObject(expected);
    await page.waitForURL(JOB_URL);
    await page.getByText("3 of 3 done").waitFor(WAIT);
    // Where the server reports a control a model did not honour, its card says so.
    const jobId = page.url().split("job=")[1]!;
    const job = (await (await fetch(`${session.server.baseUrl}/status/${jobId}`)).json()) as {
      results: { ignoredParameters?: string[] | Record<string, unknown> | null }[];
    };
    const notes = job.results.map((result) => {
      const ignored = result.ignoredParameters ?? [];
      const names = Array.isArray(ignored) ? ignored : Object.keys(ignored);
      return names.length;
    });
    expect(await page.locator(".card-note").count()).toBe(notes.filter((n) => n > 0).length);
  });
});

describe("cancel", () => {
  it("turns Generate into Cancel; cancelling keeps the finished image and offers Run again", async (ctx) => {
    ctx.skip(!routes.cancel, "POST /jobs/{jobId}/cancel has not landed in this backend");
    const page = await open(session.server.baseUrl);
    await generate(page, "a tide that turns");
    await page.waitForURL(JOB_URL);
    const cancel = page.getByRole("button", { name: "Cancel" });
    await cancel.waitFor();
    expect(await page.getByRole("button", { name: "Generate" }).count()).toBe(0);
    await page.getByText("1 of 3 done").waitFor(WAIT);
    await cancel.click();
    await page.getByText("Cancelled: 1 of 3 done; the finished images are kept.").waitFor(WAIT);
    const states = await page
      .locator(".card")
      .evaluateAll((cards) => cards.map((card) => card.getAttribute("data-state")));
    expect(states).toEqual(["done", "cancelled", "cancelled"]);
    expect(await page.title()).toBe("Cancelled 1/3 · Pixel Prompt");
    expect(await page.getByRole("button", { name: "Run again" }).isEnabled()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "cancelled-desktop.png") });
  });
});

describe("cost and spend", () => {
  let tight: LocalServer;

  beforeAll(async () => {
    tight = await startServer(priced("0.25", "0.3"));
  });

  afterAll(async () => {
    await tight?.stop();
  });

  it("shows each image's cost, the job's total, today's spend, then the ceiling", async (ctx) => {
    ctx.skip(!routes.usage, "GET /usage and job costs have not landed in this backend");
    const page = await open(tight.baseUrl, PHONE);
    await generate(page, "a copper kettle");
    await page.waitForURL(JOB_URL);
    await page.getByText("3 of 3 done: every image is ready.").waitFor(WAIT);
    expect(await page.locator(".card-cost").allTextContents()).toEqual(["$0.05", "$0.05", "$0.05"]);
    expect(await page.locator(".job-cost").textContent()).toBe("Cost $0.15");
    await expect
      .poll(() => page.locator(".spend-text").textContent(), WAIT)
      .toBe("Today $0.15 of $0.25");
    await page.screenshot({ path: join(ARTIFACTS, "cost-phone.png") });

    // The next job ($0.15 more) does not fit under the ceiling.
    await generate(page, "a second copper kettle");
    const title = page.locator(".banner-title");
    await title.waitFor();
    expect(await title.textContent()).toBe(
      "Today's spending limit for this deployment is reached.",
    );
    expect(await page.locator(".banner-detail").textContent()).toMatch(
      /^No job was started and nothing was billed\. It resets at midnight UTC, in .+ \(at .+\)\.$/,
    );
    await page.screenshot({ path: join(ARTIFACTS, "spend-limit-phone.png") });
  });
});
