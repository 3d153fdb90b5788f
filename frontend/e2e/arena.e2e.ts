// A blind vote that reaches the leaderboard, in Chromium: three preview models, one job, one
// vote, then the Leaderboard page. Skipped with a note where the backend has no /votes yet.
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { ARTIFACTS, sharedSession } from "./harness";

const MODELS = ["Local Preview Sunrise", "Local Preview Dusk", "Local Preview Night"];
const WAIT = { timeout: 30_000 };

let arena = false;
const session = sharedSession({ LOCAL_PREVIEW_DELAY_SECONDS: "0.3" }, async (server) => {
  const votes = await fetch(`${server.baseUrl}/votes`, { method: "POST", body: "{}" });
  const leaderboard = await fetch(`${server.baseUrl}/leaderboard`);
  arena = votes.status !== 404 && leaderboard.ok;
});

async function open(url: string, viewport: { width: number; height: number }): Promise<Page> {
  return session.open(url, { viewport });
}

describe("blind vote and leaderboard", () => {
  it("hides the names until the vote, reveals them, and the vote reaches the leaderboard", async (ctx) => {
    ctx.skip(!arena, "POST /votes and GET /leaderboard have not landed in this backend");
    const page = await open(session.server.baseUrl, { width: 1440, height: 900 });
    await page.getByLabel("Prompt", { exact: true }).fill("a fox in the snow");
    await page.getByRole("button", { name: "Generate" }).click();
    await page.getByText("3 of 3 done: every image is ready.").waitFor(WAIT);

    await page.getByRole("button", { name: "Vote blind" }).click();
    await page.getByRole("dialog", { name: "Which is better? (blind)" }).waitFor();
    const dialog = page.getByRole("dialog"); // named "Side by side" once the vote reveals
    for (const model of MODELS) expect(await dialog.getByText(model).count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, "vote-blind-desktop.png") });
    const [request] = await Promise.all([
      page.waitForRequest((r) => r.url().endsWith("/votes") && r.method() === "POST"),
      dialog.getByRole("button", { name: "Image A is better" }).click(),
    ]);
    const vote = request.postDataJSON() as { winner: number; loser: number };
    const winner = MODELS[vote.winner - 1]!;
    const loser = MODELS[vote.loser - 1]!;
    await dialog.getByText(`Vote recorded: ${winner} beat ${loser}.`).waitFor(WAIT);
    await page.screenshot({ path: join(ARTIFACTS, "vote-revealed-desktop.png") });
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });

    await page.getByRole("link", { name: "Leaderboard" }).click();
    await page.waitForURL(/\?view=leaderboard$/);
    await page.getByText(/^1 vote on this deployment/).waitFor(WAIT);
    const row = page.getByRole("row", { name: new RegExp(winner) });
    expect(await row.getByRole("cell").nth(3).textContent()).toMatch(/^1 ?\(1–0–0\)$/);
    expect(await row.getByText("100%").count()).toBe(1);
    const first = await page.locator("tbody tr").first().locator("th .lb-name").textContent();
    expect(first).toBe(winner);
    await page.screenshot({ path: join(ARTIFACTS, "leaderboard-desktop.png"), fullPage: true });

    const phone = await open(`${session.server.baseUrl}/?view=leaderboard`, {
      width: 390,
      height: 844,
    });
    await phone.getByRole("heading", { name: "Leaderboard" }).waitFor();
    const overflow = await phone.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: join(ARTIFACTS, "leaderboard-phone.png"), fullPage: true });
  });
});
