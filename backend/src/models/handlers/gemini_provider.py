"""Gemini native image generation ("Nano Banana") and prompt rewriting, via google-genai.

``generate_image`` calls ``models.generateContent`` on ``model.model_id`` with
``responseModalities: ["TEXT", "IMAGE"]`` and ``imageConfig.aspectRatio`` (the supported ratio
closest to ``params.size``); the image comes back as a ``candidates[].content.parts[]`` entry
with ``inlineData {mimeType, data}``. Parts marked ``thought`` (interim images of thinking image
models) are skipped. Steps, guidance, control and negative prompts have no Gemini equivalent
and are ignored. No image means a refusal when ``promptFeedback.blockReason`` is set or a
candidate's ``finishReason`` is a safety/policy reason, else a bad response.

``write_text`` calls ``generateContent`` with text only. An image model is not the one to
rewrite prompts, so when ``model.model_id`` names one ("image" or "banana" in the id) the call
goes to ``TEXT_MODEL``.

Model ids checked in October 2026 (https://ai.google.dev/gemini-api/docs/deprecations,
https://ai.google.dev/models/gemini): ``gemini-nano-banana-2.1`` (GA October 6, 2026; no "image"
in its id), ``gemini-3-pro-image`` (GA May 28, 2026), ``gemini-2.5-flash-image`` (earliest
shutdown October 2, 2026), ``gemini-3.1-flash-image`` (deprecated for nano-banana-2.1, reported
shut down October 29, 2026); the ``-preview`` image ids shut down June 25, 2026 and the
``gemini-2.0-flash-*-image-generation`` ids are gone. ``gemini-2.5-flash`` (text) shut down June
17, 2026 and pinned Flash ids have turned over every few months since (3.5, 3.6, 3.7, 3.8), so
``TEXT_MODEL`` is Google's floating alias ``gemini-flash-latest`` (now Gemini 3.5 Flash).

Sources: https://ai.google.dev/gemini-api/docs/image-generation,
https://ai.google.dev/api/generate-content (GenerateContentResponse, PromptFeedback.BlockReason,
Candidate.FinishReason), https://ai.google.dev/gemini-api/docs/deprecations, and the
google-genai 3.3.0 types (``FinishReason``/``BlockedReason`` enums, ``ImageConfig``).
"""

from __future__ import annotations

from typing import Any

from models.handlers import google_common
from models.handlers.common import image_result
from models.types import ErrorKind, GenerationParams, ImageResult, ModelConfig, ProviderError

TEXT_MODEL = "gemini-flash-latest"
"""Used by ``write_text`` when the configured model is an image model."""

ASPECT_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
"""Ratios every current Gemini image model accepts in ``imageConfig.aspectRatio``."""

_IMAGE_MODEL_MARKERS = ("image", "banana")

_BLOCKING_FINISH_REASONS = frozenset(
    {
        "SAFETY",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "RECITATION",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
        "MODEL_ARMOR",
    }
)


def generate_image(model: ModelConfig, prompt: str, params: GenerationParams) -> ImageResult:
    from google.genai import types

    config = types.GenerateContentConfig(
        response_modalities=["TEXT", "IMAGE"],
        image_config=types.ImageConfig(
            aspect_ratio=google_common.aspect_ratio(params.size, ASPECT_RATIOS)
        ),
    )
    response = _generate(model, model.model_id, prompt, config, params.timeout)
    for part in _answer_parts(response):
        blob = part.inline_data
        if blob is not None and blob.data and (blob.mime_type or "").startswith("image/"):
            return image_result(blob.data)
    _raise_if_refused(response)
    said = _text(response)
    raise ProviderError(
        ErrorKind.BAD_RESPONSE,
        "the model returned no image" + (f": {said[:160]}" if said else ""),
    )


def write_text(model: ModelConfig, instruction: str, timeout: float) -> str:
    is_image_model = any(mark in model.model_id.lower() for mark in _IMAGE_MODEL_MARKERS)
    model_id = TEXT_MODEL if is_image_model else model.model_id
    response = _generate(model, model_id, instruction, None, timeout)
    text = _text(response)
    if not text:
        _raise_if_refused(response)
        raise ProviderError(ErrorKind.BAD_RESPONSE, "the model returned no text")
    return text


def _generate(model: ModelConfig, model_id: str, contents: str, config: Any, timeout: float):
    from google.genai import types

    config = config or types.GenerateContentConfig()
    config.http_options = google_common.request_options(timeout)
    client = google_common.client(model)  # a missing key raises ProviderError itself
    return google_common.call(
        model,
        lambda: client.models.generate_content(model=model_id, contents=contents, config=config),
    )


def _answer_parts(response) -> list:
    """The non-thought parts of every candidate, in order."""
    parts = []
    for candidate in response.candidates or []:
        content = candidate.content
        parts.extend(p for p in (content.parts if content else None) or [] if not p.thought)
    return parts


def _text(response) -> str:
    return "".join(p.text for p in _answer_parts(response) if p.text).strip()


def _name(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


def _raise_if_refused(response) -> None:
    """Raise content_blocked when Google says the prompt or the answer was blocked."""
    feedback = response.prompt_feedback
    reason = _name(feedback.block_reason) if feedback else ""
    if reason and reason != "BLOCKED_REASON_UNSPECIFIED":
        detail = f": {feedback.block_reason_message}" if feedback.block_reason_message else ""
        raise ProviderError(
            ErrorKind.CONTENT_BLOCKED, f"Google blocked the prompt ({reason}){detail}"
        )
    for candidate in response.candidates or []:
        finish = _name(candidate.finish_reason)
        if finish in _BLOCKING_FINISH_REASONS:
            detail = f": {candidate.finish_message}" if candidate.finish_message else ""
            raise ProviderError(
                ErrorKind.CONTENT_BLOCKED, f"Google withheld the result ({finish}){detail}"
            )
