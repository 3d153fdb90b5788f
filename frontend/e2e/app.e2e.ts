// The whole product in a real browser: the built client served by the local server, the
// built-in preview models (model k answers after k x 2.5 s), Debian's Chromium.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS, startServer, sharedSession, type LocalServer } from "./harness";

const MODELS = ["Local Preview Sunrise", "Local Preview Dusk", "Local Preview Night"];
const DELAY_SECONDS = 2.5;
const JOB_URL = /\?job=[0-9a-f-]{36}$/;
const WAIT = { timeout: 15_000 };

// The console stays quiet; the browser's own line for an expected 4xx answer aside.
const session = sharedSession({ LOCAL_PREVIEW_DELAY_SECONDS: String(DELAY_SECONDS) });

async function open(url: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  return session.open(url, { viewport });
}

/** The /status requests the page makes, to prove one was or was not polled. */
function statusRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/status/")) seen.push(request.url());
  });
  return seen;
}

async function generate(page: Page, prompt: string) {
  await page.getByLabel("Prompt", { exact: true }).fill(prompt);
  await page.getByRole("button", { name: "Generate" }).click();
}

const progress = (page: Page) => page.locator(".progress-text");

/** A page whose job for `prompt` has one model done and two still running. */
async function midJob(prompt: string): Promise<Page> {
  const page = await open(session.server.baseUrl);
  await generate(page, prompt);
  await page.waitForURL(JOB_URL);
  await page.getByText("1 of 3 done").waitFor({ timeout: 15_000 });
  return page;
}

async function cardStates(page: Page): Promise<(string | null)[]> {
  return page
    .locator(".card")
    .evaluateAll((cards) => cards.map((card) => card.getAttribute("data-state")));
}

/** Every image on the page has loaded pixels and alt text naming its model and the prompt. */
async function expectImagesLoaded(page: Page, prompt: string) {
  const images = page.locator(".card img");
  await expect.poll(() => images.count(), WAIT).toBe(MODELS.length);
  await expect
    .poll(
      () => images.evaluateAll((all) => all.map((img) => (img as HTMLImageElement).naturalWidth)),
      WAIT,
    )
    .toEqual([512, 512, 512]);
  const alts = await images.evaluateAll((all) => all.map((img) => img.getAttribute("alt")));
  expect(alts).toEqual(MODELS.map((model) => `${model}: ${prompt}`));
}

describe("Pixel Prompt in Chromium", () => {
  it("generates: one card per model at once, each runs and completes, 3 of 3 done", async () => {
    const page = await open(session.server.baseUrl);
    const prompt = "a lighthouse at dusk, oil painting";
    await generate(page, prompt);
    await page.waitForURL(JOB_URL);
    await expect.poll(() => page.locator(".card").count(), WAIT).toBe(3);
    await page.locator('.card[data-state="running"]').first().waitFor();
    await expect(
      page
        .locator(".card-status", { hasText: /^Running · \d+ s$/ })
        .first()
        .isVisible(),
    ).resolves.toBe(true);

    await page.getByText("3 of 3 done: every image is ready.").waitFor({ timeout: 30_000 });
    expect(await cardStates(page)).toEqual(["done", "done", "done"]);
    expect(await page.locator(".card-model").allTextContents()).toEqual(MODELS);
    await expectImagesLoaded(page, prompt);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "finished-grid.png"), fullPage: true });
  });

  it("enhances: shows the rewrite, which can be edited and undone to the original", async () => {
    const page = await open(session.server.baseUrl);
    const box = page.getByLabel("Prompt", { exact: true });
    await box.fill("a fox");
    await page.getByRole("button", { name: "Enhance" }).click();
    await expect.poll(() => box.inputValue(), WAIT).toMatch(/^a fox, richly detailed scene/);
    await box.press("End");
    await box.pressSequentially(" at night");
    expect(await box.inputValue()).toMatch(/ at night$/);
    await page.getByRole("button", { name: "undo to the original" }).click();
    expect(await box.inputValue()).toBe("a fox");
  });

  it("refuses a blocked prompt with a clear message and starts no job", async () => {
    const page = await open(session.server.baseUrl);
    const polled = statusRequests(page);
    await generate(page, "a nude portrait in a forest");
    await page.getByText("This prompt was blocked by the content filter.").waitFor();
    expect(page.url()).not.toMatch(/job=/);
    expect(await page.locator(".card").count()).toBe(0);
    expect(polled).toEqual([]);
  });

  it("resumes a job after a reload mid-way: same job, same cards, all complete", async () => {
    const prompt = "a red kite over the sea";
    const page = await midJob(prompt);
    const url = page.url();

    const polled = statusRequests(page);
    await page.reload();
    expect(page.url()).toBe(url);
    // Picked up again while models are still running (they finish 2.5 s apart).
    await expect.poll(() => progress(page).textContent(), WAIT).toMatch(/^[12] of 3 done$/);
    expect(await cardStates(page)).toContain("done");
    await page.getByText("3 of 3 done: every image is ready.").waitFor({ timeout: 30_000 });
    expect(await page.locator(".card-model").allTextContents()).toEqual(MODELS);
    await expectImagesLoaded(page, prompt);
    expect(polled.length).toBeGreaterThan(1);
    expect(polled.every((request) => request.endsWith(`/status/${url.split("job=")[1]}`))).toBe(
      true,
    );
  });

  it("keeps the results through a lost connection and resumes when it is back", async () => {
    const prompt = "a lantern in the fog";
    const page = await midJob(prompt);

    await page.context().setOffline(true);
    const banner = page.getByText("Connection lost. Retrying…");
    await banner.waitFor(WAIT);
    expect(await cardStates(page)).toContain("done"); // what arrived before is kept
    expect(page.url()).toMatch(JOB_URL);

    const polled = statusRequests(page);
    await page.context().setOffline(false);
    await page.getByText("3 of 3 done: every image is ready.").waitFor({ timeout: 30_000 });
    await banner.waitFor({ state: "hidden" });
    expect(polled.length).toBeGreaterThan(0);
    await expectImagesLoaded(page, prompt);
  });

  it("lists the generation in the gallery and reopens it with its images", async () => {
    const prompt = "a paper boat on a puddle";
    const page = await open(session.server.baseUrl);
    await generate(page, prompt);
    await page.getByText("3 of 3 done").waitFor({ timeout: 30_000 });

    const recent = page.getByRole("region", { name: "Recent generations" });
    const link = recent.getByRole("link", { name: new RegExp(prompt) });
    await link.waitFor();
    await link.click();
    await page.waitForURL(/\?gallery=[0-9-]+-[0-9a-f]{6}$/);
    await page.getByRole("heading", { name: `“${prompt}”` }).waitFor();
    await expectImagesLoaded(page, prompt);

    await page.reload(); // the generation lives in the URL too
    await expectImagesLoaded(page, prompt);
  });

  it("works with the keyboard alone: prompt, Generate, open an image, Escape", async () => {
    const page = await open(session.server.baseUrl);
    const tabTo = async (selector: string) => {
      for (let presses = 0; presses < 15; presses += 1) {
        if (await page.locator(selector).evaluate((el) => el === document.activeElement)) return;
        await page.keyboard.press("Tab");
      }
      throw new Error(`Tab never reached ${selector}`);
    };
    await tabTo("textarea");
    await page.keyboard.type("a quiet harbour");
    await tabTo('button[type="submit"]');
    await page.keyboard.press("Enter");
    await page.waitForURL(JOB_URL);

    const opener = page.getByRole("button", {
      name: "View the Local Preview Sunrise image larger",
    });
    await opener.waitFor({ timeout: 15_000 });
    await tabTo(".card-image");
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Local Preview Sunrise" });
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Close");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await opener.evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it("fits a phone-width screen without sideways scrolling", async () => {
    const prompt = "a very long prompt ".repeat(20).trim();
    const page = await open(session.server.baseUrl, { width: 390, height: 844 });
    await generate(page, prompt);
    await page.getByText("3 of 3 done").waitFor({ timeout: 30_000 });
    await page.getByText("Advanced").click();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    const widths = await page
      .locator(".card")
      .evaluateAll((cards) => cards.map((card) => card.getBoundingClientRect().right));
    expect(Math.max(...widths)).toBeLessThanOrEqual(390);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "phone.png"), fullPage: true });
  });
});

describe("Pixel Prompt past the rate limit", () => {
  let limited: LocalServer;

  beforeAll(async () => {
    limited = await startServer({ IP_LIMIT: "1", LOCAL_PREVIEW_DELAY_SECONDS: "0" });
  });

  afterAll(async () => {
    await limited?.stop();
  });

  it("says the limit is reached and when to try again, and starts no job", async () => {
    const first = await fetch(`${limited.baseUrl}/generate`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ prompt: "the one request this address gets today" }),
    });
    expect(first.status).toBe(202);

    const page = await open(limited.baseUrl);
    const polled = statusRequests(page);
    await generate(page, "a second request");
    const title = page.locator(".banner-title");
    await title.waitFor();
    expect(await title.textContent()).toMatch(
      /^Rate limit reached\. Try again in (\d+ h \d\d min|\d+ minutes?|\d+ seconds?) \(at .+\)\.$/,
    );
    expect(await page.locator(".banner-detail").textContent()).toBe(
      "this address's daily request limit is reached; retry later",
    );
    expect(page.url()).not.toMatch(/job=/);
    expect(polled).toEqual([]);
  });
});
