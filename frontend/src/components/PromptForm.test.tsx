import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client";
import type { Enhancement } from "../api/types";
import { PromptForm, parseBounded, promptLength } from "./PromptForm";

function setup(enhance: (prompt: string) => Promise<Enhancement> = vi.fn()) {
  const onGenerate = vi.fn();
  const onNotice = vi.fn();
  render(<PromptForm busy={false} onGenerate={onGenerate} enhance={enhance} onNotice={onNotice} />);
  return { user: userEvent.setup(), onGenerate, onNotice, prompt: screen.getByLabelText("Prompt") };
}

describe("PromptForm", () => {
  it("generates the trimmed prompt with the default steps and guidance", async () => {
    const { user, onGenerate, prompt } = setup();
    expect(screen.getByRole("button", { name: "Generate" })).toBeDisabled();
    await user.type(prompt, "  a red kite ");
    expect(screen.getByText("10 / 1000")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Generate" }));
    expect(onGenerate).toHaveBeenCalledWith({ prompt: "a red kite", steps: 28, guidance: 7 });
  });

  it("submits with Ctrl+Enter from the prompt", async () => {
    const { user, onGenerate, prompt } = setup();
    await user.type(prompt, "a kite{Control>}{Enter}{/Control}");
    expect(onGenerate).toHaveBeenCalledTimes(1);
  });

  it("counts against the 1000 limit and refuses a longer prompt", async () => {
    const { user, onGenerate, prompt } = setup();
    await user.click(prompt);
    await user.paste("x".repeat(1003));
    expect(screen.getByText(/1003 \/ 1000 \(3 too many\)/)).toBeInTheDocument();
    expect(prompt).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByRole("button", { name: "Generate" })).toBeDisabled();
    expect(onGenerate).not.toHaveBeenCalled();
  });

  it("checks steps and guidance against the API's bounds", async () => {
    const { user, onGenerate, prompt } = setup();
    await user.type(prompt, "a kite");
    await user.click(screen.getByText("Advanced"));
    const steps = screen.getByLabelText("Steps");
    await user.clear(steps);
    await user.type(steps, "151");
    expect(steps).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByText("Must be 1 to 150, whole number")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Generate" })).toBeDisabled();

    await user.clear(steps);
    await user.type(steps, "40");
    const guidance = screen.getByLabelText("Guidance");
    await user.clear(guidance);
    await user.type(guidance, "12.5");
    await user.click(screen.getByRole("button", { name: "Generate" }));
    expect(onGenerate).toHaveBeenCalledWith({ prompt: "a kite", steps: 40, guidance: 12.5 });
  });

  it("shows the enhanced prompt, lets it be edited, and undoes to the original", async () => {
    const enhance = vi.fn(async (prompt: string) => ({
      original: prompt,
      enhanced: `${prompt}, golden hour`,
    }));
    const { user, prompt } = setup(enhance);
    await user.type(prompt, "a fox");
    await user.click(screen.getByRole("button", { name: "Enhance" }));
    expect(enhance).toHaveBeenCalledWith("a fox");
    expect(prompt).toHaveValue("a fox, golden hour");
    await user.type(prompt, ", mist");
    expect(prompt).toHaveValue("a fox, golden hour, mist");
    await user.click(screen.getByRole("button", { name: "undo to the original" }));
    expect(prompt).toHaveValue("a fox");
    expect(screen.queryByRole("button", { name: "undo to the original" })).not.toBeInTheDocument();
  });

  it("passes on the server's warning when it could not enhance", async () => {
    const enhance = vi.fn(async (prompt: string) => ({
      original: prompt,
      enhanced: prompt,
      warning: "no text model",
    }));
    const { user, onNotice, prompt } = setup(enhance);
    await user.type(prompt, "a fox");
    await user.click(screen.getByRole("button", { name: "Enhance" }));
    expect(onNotice).toHaveBeenLastCalledWith(
      expect.objectContaining({ tone: "warning", detail: "no text model" }),
    );
    expect(prompt).toHaveValue("a fox");
  });

  it("shows the preview's note beside the enhanced prompt, never in it", async () => {
    const enhance = vi.fn(async (prompt: string) => ({
      original: prompt,
      enhanced: `${prompt}, sharp focus (local preview enhancement: configure a text-capable model)`,
    }));
    const { user, onGenerate, prompt } = setup(enhance);
    await user.type(prompt, "a fox");
    await user.click(screen.getByRole("button", { name: "Enhance" }));
    expect(prompt).toHaveValue("a fox, sharp focus");
    expect(
      screen.getByText(/Note: local preview enhancement: configure a text-capable model/),
    ).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Generate" }));
    expect(onGenerate).toHaveBeenCalledWith(
      expect.objectContaining({ prompt: "a fox, sharp focus" }),
    );
  });

  it("puts a failure code in the server's warning into words", async () => {
    const enhance = vi.fn(async (prompt: string) => ({
      original: prompt,
      enhanced: prompt,
      warning: "enhancement is unavailable (provider_error); prompt unchanged",
    }));
    const { user, onNotice, prompt } = setup(enhance);
    await user.type(prompt, "a fox");
    await user.click(screen.getByRole("button", { name: "Enhance" }));
    expect(onNotice).toHaveBeenLastCalledWith(
      expect.objectContaining({
        detail: "enhancement is unavailable (the provider reported an error); prompt unchanged",
      }),
    );
  });

  it("reports a failed enhance as a notice", async () => {
    const enhance = vi.fn(async () => {
      throw new ApiError(429, "RATE_LIMITED", "limit reached", 60);
    });
    const { user, onNotice, prompt } = setup(enhance);
    await user.type(prompt, "a fox");
    await user.click(screen.getByRole("button", { name: "Enhance" }));
    expect(onNotice).toHaveBeenLastCalledWith(
      expect.objectContaining({ title: expect.stringMatching(/^Rate limit reached/) }),
    );
  });
});

describe("input rules", () => {
  it("counts code points of the trimmed prompt, as the API does", () => {
    expect(promptLength("  🦊 fox ")).toBe(5);
  });

  it("accepts only numbers within bounds", () => {
    expect(parseBounded("28", 1, 150, true)).toBe(28);
    expect(parseBounded("2.5", 1, 150, true)).toBeNull();
    expect(parseBounded("", 0, 30, false)).toBeNull();
    expect(parseBounded("30", 0, 30, false)).toBe(30);
    expect(parseBounded("-1", 0, 30, false)).toBeNull();
  });
});
