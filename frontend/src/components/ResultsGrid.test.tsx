import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { cardsFromJob } from "../cards";
import { done, job, result } from "../test/fixtures";
import { ResultsGrid } from "./ResultsGrid";

const started = new Date(Date.now() - 3200).toISOString();
const cards = cardsFromJob(
  job({
    results: [
      done(1),
      result(2, { status: "in_progress", startedAt: started }),
      result(3, { status: "error", error: "the provider refused the key", errorKind: "auth" }),
      result(4),
    ],
  }),
);

describe("ResultsGrid and ModelCard", () => {
  it("shows each model's state: done, running with elapsed time, failed with the reason, waiting", () => {
    render(<ResultsGrid cards={cards} prompt="a red kite" />);
    const items = screen.getAllByRole("listitem");
    expect(items.map((item) => item.dataset.state)).toEqual([
      "done",
      "running",
      "failed",
      "waiting",
    ]);
    expect(within(items[0]!).getByText("Done in 1.5 s")).toBeInTheDocument();
    expect(within(items[1]!).getByText("Running · 3 s")).toBeInTheDocument();
    expect(
      within(items[2]!).getByText("Failed: the provider refused the API key"),
    ).toBeInTheDocument();
    expect(within(items[2]!).getByText("the provider refused the key")).toBeInTheDocument();
    expect(within(items[3]!).getByText("Waiting")).toBeInTheDocument();
  });

  it("gives every image alt text naming the model and the prompt", () => {
    render(<ResultsGrid cards={cards} prompt="a red kite" />);
    expect(screen.getByRole("img")).toHaveAttribute("alt", "Model A: a red kite");
  });

  it("opens an image large; Escape closes it and focus returns to the card", async () => {
    const user = userEvent.setup();
    render(<ResultsGrid cards={cards} prompt="a red kite" />);
    const opener = screen.getByRole("button", { name: "View the Model A image larger" });
    await user.click(opener);
    const dialog = screen.getByRole("dialog", { name: "Model A" });
    expect(within(dialog).getByRole("button", { name: "Close" })).toHaveFocus();
    expect(within(dialog).getByRole("img")).toHaveAttribute("alt", "Model A: a red kite");
    const download = within(dialog).getByRole("link", { name: "Download" });
    expect(download).toHaveAttribute("href", done(1).imageUrl);
    expect(download).toHaveAttribute("download", "01-model.png");

    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(opener).toHaveFocus();
  });

  it("keeps Tab inside the open dialog", async () => {
    const user = userEvent.setup();
    render(<ResultsGrid cards={cards} prompt="a red kite" />);
    await user.click(screen.getByRole("button", { name: "View the Model A image larger" }));
    const close = screen.getByRole("button", { name: "Close" });
    await user.tab(); // Download
    await user.tab(); // Copy prompt
    await user.tab(); // wraps to Close
    expect(close).toHaveFocus();
    await user.tab({ shift: true });
    expect(screen.getByRole("button", { name: "Copy prompt" })).toHaveFocus();
  });

  it("copies the prompt and says so", async () => {
    const user = userEvent.setup();
    const writeText = vi.spyOn(navigator.clipboard, "writeText").mockResolvedValue();
    render(<ResultsGrid cards={cards} prompt="a red kite" />);
    await user.click(screen.getByRole("button", { name: "View the Model A image larger" }));
    await user.click(screen.getByRole("button", { name: "Copy prompt" }));
    expect(writeText).toHaveBeenCalledWith("a red kite");
    expect(screen.getByText("Prompt copied.")).toBeInTheDocument();
  });
});
