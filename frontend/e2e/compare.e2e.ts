// Results first, the viewer, side by side, history, the zip and keyboard use, in Chromium at
// a desktop and a phone size. Nine models: eight built-in previews answering 0.6 s apart and
// one OpenAI model with no key, which fails at once ("not set up correctly").
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { strFromU8, unzipSync } from "fflate";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { ARTIFACTS, sharedSession } from "./harness";

const PREVIEWS = ["Sunrise", "Dusk", "Night", "Fog", "Rain", "Snow", "Dawn", "Noon"].map(
  (name) => `Local Preview ${name}`,
);
const FAILING = "OpenAI without a key";
const MODELS = [...PREVIEWS, FAILING];
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
const JOB_URL = /\?job=[0-9a-f-]{36}$/;
const DONE = /9 of 9 done: 1 failed\./;
const WAIT = { timeout: 30_000 };

function modelVariables(): Record<string, string> {
  const variables: Record<string, string> = { MODEL_COUNT: String(MODELS.length) };
  MODELS.forEach((name, i) => {
    variables[`MODEL_${i + 1}_NAME`] = name;
    variables[`MODEL_${i + 1}_PROVIDER`] = name === FAILING ? "openai" : "local";
  });
  return variables;
}

const session = sharedSession({ LOCAL_PREVIEW_DELAY_SECONDS: "0.6", ...modelVariables() });

async function open(
  url: string,
  viewport = DESKTOP,
  options: { reducedMotion?: "reduce" } = {},
): Promise<Page> {
  return session.open(url, { viewport, acceptDownloads: true, ...options });
}

async function generate(page: Page, prompt: string) {
  await page.getByLabel("Prompt", { exact: true }).fill(prompt);
  await page.getByRole("button", { name: "Generate" }).click();
  await page.waitForURL(JOB_URL);
}

/** The first card's box, relative to the viewport, with the page where the app left it. */
async function firstCardBox(page: Page) {
  return page
    .locator(".card")
    .first()
    .evaluate((card) => {
      const box = card.getBoundingClientRect();
      return {
        top: box.top,
        bottom: box.bottom,
        height: window.innerHeight,
        scrollY: window.scrollY,
      };
    });
}

async function shot(page: Page, name: string, fullPage = false) {
  await page.screenshot({ path: join(ARTIFACTS, name), fullPage });
}

describe("results first", () => {
  for (const [label, viewport] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ] as const) {
    it(`shows the first result whole without scrolling, with progress in the tab (${label})`, async () => {
      const page = await open(session.server.baseUrl, viewport);
      await shot(page, `home-${label}.png`);
      await generate(page, `a harbour at dawn, watercolour (${label})`);
      // The compact prompt bar replaces the form; progress shows in the tab title.
      await expect.poll(() => page.title(), WAIT).toMatch(/^[0-8]\/9 · Pixel Prompt$/);
      await page.locator('.card[data-state="done"]').first().waitFor(WAIT);
      const box = await firstCardBox(page);
      expect(box.top).toBeGreaterThanOrEqual(0);
      expect(box.bottom).toBeLessThanOrEqual(box.height);
      // The prompt bar stays at hand above the results.
      const bar = await page
        .getByLabel("Prompt", { exact: true })
        .evaluate((box) => box.getBoundingClientRect().top);
      expect(bar).toBeGreaterThanOrEqual(0);
      await expect
        .poll(() => page.locator(".still-running").textContent(), WAIT)
        .toMatch(/^Still running \(\d\): /);
      await shot(page, `running-${label}.png`);

      await page.getByText(DONE).waitFor(WAIT);
      expect(await page.title()).toBe("✓ Done 9/9, 1 failed · Pixel Prompt");
      expect(await page.getByRole("button", { name: "Run again" }).isEnabled()).toBe(true);
      if (label === "phone") {
        // Two across on a phone.
        const tops = await page
          .locator(".card")
          .evaluateAll((cards) => cards.slice(0, 2).map((c) => c.getBoundingClientRect().top));
        expect(tops[0]).toBe(tops[1]);
      }
      // The progress bar stays in view while the cards scroll under it.
      await page.mouse.wheel(0, 1500);
      await expect
        .poll(() => page.locator(".results-bar").evaluate((bar) => bar.getBoundingClientRect().top))
        .toBe(0);
      const failed = page.locator('.card[data-state="failed"]');
      await failed.scrollIntoViewIfNeeded();
      expect(await failed.locator(".card-status").textContent()).toBe(
        "Failed: the model is not set up correctly",
      );
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, `finished-${label}.png`);
      await shot(page, `finished-${label}-full.png`, true);
    });
  }

  it("changes the grid's density: small, medium, large", async () => {
    const page = await open(session.server.baseUrl);
    await generate(page, "a kite over a field");
    await page.getByText(DONE).waitFor(WAIT);
    const perRow = () =>
      page.locator(".card").evaluateAll((cards) => {
        const top = cards[0]!.getBoundingClientRect().top;
        return cards.filter((card) => card.getBoundingClientRect().top === top).length;
      });
    const medium = await perRow();
    await page.getByText("Small", { exact: true }).click();
    const small = await perRow();
    await page.getByText("Large", { exact: true }).click();
    const large = await perRow();
    expect(small).toBeGreaterThan(medium);
    expect(medium).toBeGreaterThan(large);
    await page.reload(); // the choice is remembered
    await page.getByText(DONE).waitFor(WAIT);
    expect(await perRow()).toBe(large);
  });
});

describe("the viewer and side by side", () => {
  it("steps with ← / →, and the browser's Back closes it without leaving the job", async () => {
    const page = await open(session.server.baseUrl);
    await generate(page, "a lantern in the snow");
    await page.getByText(DONE).waitFor(WAIT);
    const jobUrl = page.url();
    await page.getByRole("button", { name: "View the Local Preview Dusk image larger" }).click();
    await page.getByRole("dialog", { name: "Local Preview Dusk" }).waitFor();
    await page.keyboard.press("ArrowRight");
    await page.getByRole("dialog", { name: "Local Preview Night" }).waitFor();
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("ArrowLeft");
    const first = page.getByRole("dialog", { name: "Local Preview Sunrise" });
    await first.waitFor();
    await page.keyboard.press("ArrowLeft"); // wraps to the last image (the failed model has none)
    await page.getByRole("dialog", { name: "Local Preview Noon" }).waitFor();
    expect(await page.getByText("8 of 8").isVisible()).toBe(true);
    await shot(page, "viewer-desktop.png");

    await page.goBack();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    expect(page.url()).toBe(jobUrl);
    expect(await page.locator(".card").count()).toBe(9);
  });

  it("swipes on a phone and closes with Escape", async () => {
    const page = await open(session.server.baseUrl, PHONE);
    await generate(page, "a red kite over the sea");
    await page.getByText(DONE).waitFor(WAIT);
    await page.getByRole("button", { name: "View the Local Preview Sunrise image larger" }).click();
    const image = page.locator(".lightbox-image");
    const box = (await image.boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.8, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.2, y, { steps: 5 });
    await page.mouse.up();
    await page.getByRole("dialog", { name: "Local Preview Dusk" }).waitFor();
    await shot(page, "viewer-phone.png");
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    expect(page.url()).toMatch(JOB_URL);
  });

  it("shows two images side by side, zoomed and panned together", async () => {
    const page = await open(session.server.baseUrl);
    await generate(page, "a lighthouse in a storm");
    await page.getByText(DONE).waitFor(WAIT);
    await page.getByRole("checkbox", { name: "Compare Local Preview Sunrise" }).check();
    await page.getByRole("checkbox", { name: "Compare Local Preview Night" }).check();
    await page.getByRole("button", { name: "Side by side" }).click();
    const dialog = page.getByRole("dialog", { name: "Side by side" });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Zoom in" }).click();
    const frame = dialog.locator(".compare-frame").first();
    const box = (await frame.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 - 60, box.y + box.height / 2 + 30, { steps: 4 });
    await page.mouse.up();
    const transforms = await dialog
      .locator(".compare-frame img")
      .evaluateAll((images) => images.map((img) => (img as HTMLImageElement).style.transform));
    expect(transforms).toHaveLength(2);
    expect(transforms[0]).toMatch(/^translate\(-\d+(\.\d+)?px, \d+(\.\d+)?px\) scale\(1\.5\)$/);
    expect(transforms[1]).toBe(transforms[0]);
    await shot(page, "side-by-side-desktop.png");
    await page.setViewportSize(PHONE);
    await shot(page, "side-by-side-phone.png");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
  });
});

describe("history", () => {
  it("reopens a generation with its failure, time and settings, and downloads it as a zip", async () => {
    const prompt = "a paper boat on a puddle";
    const page = await open(session.server.baseUrl);
    await generate(page, prompt);
    await page.getByText(DONE).waitFor(WAIT);

    await page.goto(session.server.baseUrl); // start afresh: home, then the history
    const recent = page.getByRole("region", { name: "Recent generations" });
    await recent
      .getByText("Generations on this deployment are visible to everyone who uses it.")
      .waitFor();
    await recent.getByLabel("Search prompts").fill("paper BOAT");
    const link = recent.getByRole("link", { name: new RegExp(prompt) });
    await link.waitFor();
    await expect
      .poll(() =>
        link.locator(".recent-thumb img").evaluate((img) => (img as HTMLImageElement).naturalWidth),
      )
      .toBe(512);
    await link.click();
    await page.waitForURL(/\?gallery=[0-9-]+-[0-9a-f]{6}$/);
    await page.getByText("Reopened from the history").waitFor(WAIT);
    expect(await page.locator(".card").count()).toBe(9);
    const failed = page.locator('.card[data-state="failed"]');
    expect(await failed.locator(".card-model").textContent()).toBe(FAILING);
    expect(await failed.locator(".card-error").textContent()).toMatch(/MODEL_9_KEY/);
    expect(await page.locator(".card-status", { hasText: /^Done in / }).count()).toBe(8);
    await shot(page, "reopened-failure-desktop.png");
    await page.setViewportSize(PHONE);
    await failed.scrollIntoViewIfNeeded();
    await shot(page, "reopened-failure-phone.png");
    await page.setViewportSize(DESKTOP);

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download all" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("pixel-prompt-a-paper-boat-on-a-puddle.zip");
    const files = unzipSync(new Uint8Array(await readFile(await download.path())));
    const images = Object.keys(files).filter((name) => name.endsWith(".png"));
    expect(images).toEqual(
      PREVIEWS.map((name, i) => `0${i + 1}-${name.toLowerCase().replace(/ /g, "-")}.png`),
    );
    for (const name of images) expect([...files[name]!.slice(0, 4)]).toEqual([137, 80, 78, 71]);
    const readme = strFromU8(files["README.txt"]!);
    expect(readme).toContain(`Prompt: ${prompt}`);
    expect(readme).toContain(`${FAILING}: no image (failed)`);
    await page.getByText("Downloaded 8 images as a zip.").waitFor();

    // Another browser, which did not run the job, sees every outcome too: the gallery names
    // the job that made it.
    const elsewhere = await open(page.url(), PHONE);
    const failedElsewhere = elsewhere.locator('.card[data-state="failed"]');
    await failedElsewhere.waitFor(WAIT);
    expect(await failedElsewhere.locator(".card-model").textContent()).toBe(FAILING);
    expect(await elsewhere.locator(".card").count()).toBe(PREVIEWS.length + 1);
    await shot(elsewhere, "reopened-elsewhere-phone.png");

    await page.getByRole("button", { name: "Reuse prompt" }).click();
    await expect.poll(() => page.getByLabel("Prompt", { exact: true }).inputValue()).toBe(prompt);
    expect(page.url()).not.toMatch(/gallery=/);
  });
});

describe("keyboard and motion", () => {
  it("works with the keyboard alone: skip link, Generate, viewer arrows, side by side", async () => {
    const page = await open(session.server.baseUrl);
    const focused = () => page.evaluate(() => document.activeElement?.textContent ?? "");
    const tabTo = async (selector: string) => {
      for (let presses = 0; presses < 40; presses += 1) {
        if (
          await page
            .locator(selector)
            .first()
            .evaluate((el) => el === document.activeElement)
        ) {
          return;
        }
        await page.keyboard.press("Tab");
      }
      throw new Error(`Tab never reached ${selector}`);
    };
    await page.getByRole("button", { name: "Generate" }).waitFor(); // the app has rendered
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("Skip to content");
    expect(
      await page.locator(".skip-link").evaluate((link) => link.getBoundingClientRect().top),
    ).toBeGreaterThanOrEqual(0);
    await page.keyboard.press("Enter");
    await tabTo("textarea");
    await page.keyboard.type("a quiet harbour");
    await page.keyboard.press("Control+Enter");
    await page.waitForURL(JOB_URL);
    await page.getByText(DONE).waitFor(WAIT);
    await tabTo(".card-image");
    await page.keyboard.press("Enter");
    await page.getByRole("dialog", { name: "Local Preview Sunrise" }).waitFor();
    await page.keyboard.press("ArrowRight");
    await page.getByRole("dialog", { name: "Local Preview Dusk" }).waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });

    await tabTo('input[aria-label="Compare Local Preview Sunrise"]');
    await page.keyboard.press("Space");
    await tabTo('input[aria-label="Compare Local Preview Dusk"]');
    await page.keyboard.press("Space");
    await page.keyboard.down("Shift");
    for (
      let presses = 0;
      presses < 40 && !(await focused()).startsWith("Side by side");
      presses++
    ) {
      await page.keyboard.press("Tab");
    }
    await page.keyboard.up("Shift");
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Side by side" });
    await dialog.waitFor();
    expect(await focused()).toBe("Close");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
  });

  it("stops the spinners under reduced motion", async () => {
    const page = await open(session.server.baseUrl, DESKTOP, { reducedMotion: "reduce" });
    await generate(page, "a slow tide");
    const spinner = page.locator(".spinner").first();
    await spinner.waitFor(WAIT);
    expect(await spinner.evaluate((el) => getComputedStyle(el).animationName)).toBe("none");
    await page.getByText(DONE).waitFor(WAIT);
  });
});
