"""Prompt enhancement: rewrite a short prompt into a rich one with the PROMPT_MODEL_INDEX model.

Enhancement is a convenience, so it never fails the request: when the model cannot write
text, or the call fails, the original prompt comes back with a ``warning`` saying why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from models.types import ModelConfig, ProviderError, TextHandler

log = logging.getLogger(__name__)

INSTRUCTION = (
    "You are an expert at writing detailed, vivid image generation prompts.\n"
    "Expand this short prompt into a detailed 90-100 token description:\n\n"
    '"{prompt}"\n\n'
    "Provide ONLY the expanded prompt, nothing else."
)
MAX_ENHANCED_CHARS = 1000


@dataclass(frozen=True)
class Enhancement:
    original: str
    enhanced: str
    warning: str | None = None

    def to_dict(self) -> dict[str, str]:
        body = {"original": self.original, "enhanced": self.enhanced}
        if self.warning:
            body["warning"] = self.warning
        return body


def _clean(text: str) -> str:
    """Drop the quotes and labels chat models like to wrap answers in."""
    text = text.strip().strip('"').strip()
    for label in ("Expanded prompt:", "Prompt:"):
        if text.lower().startswith(label.lower()):
            text = text[len(label) :].strip()
    return " ".join(text.split())[:MAX_ENHANCED_CHARS]


def enhance_prompt(
    prompt: str,
    model: ModelConfig | None,
    text_handler_for: Callable[[str], TextHandler | None],
    timeout: float,
) -> Enhancement:
    if model is None:
        return Enhancement(prompt, prompt, "no model is configured for prompt enhancement")
    write_text = text_handler_for(model.provider)
    if write_text is None:
        return Enhancement(
            prompt,
            prompt,
            f"model {model.index} ({model.name}) cannot write text; set PROMPT_MODEL_INDEX "
            "to an OpenAI, Gemini or OpenAI-compatible model",
        )
    try:  # text handlers are guarded: they raise only ProviderError, without the key
        enhanced = _clean(write_text(model, INSTRUCTION.format(prompt=prompt), timeout))
    except ProviderError as exc:
        log.warning("prompt enhancement failed: %s (%s)", exc.kind, exc.message)
        return Enhancement(
            prompt, prompt, f"enhancement is unavailable ({exc.kind}); prompt unchanged"
        )
    if not enhanced:
        return Enhancement(prompt, prompt, "the model returned no text; prompt unchanged")
    return Enhancement(prompt, enhanced)
