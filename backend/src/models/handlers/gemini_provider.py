"""Gemini native image generation ("Nano Banana") and prompt rewriting, via google-genai.

``generate_image`` calls ``models.generateContent`` on ``model.model_id`` with
``responseModalities: ["TEXT", "IMAGE"]`` and ``imageConfig.aspectRatio`` (the requested ratio
or the nearest Gemini offers, 9:21 -> 9:16; ``1:1`` when none is asked); the image
comes back as a ``candidates[].content.parts[]`` entry
with ``inlineData {mimeType, data}``. Parts marked ``thought`` (interim images of thinking image
models) are skipped. Steps, guidance, seed and negative prompt have no documented Gemini image
equivalent and are ignored. No image means a refusal when ``promptFeedback.blockReason`` is set or a
candidate's ``finishReason`` is a safety/policy reason, else a bad response.

``write_text`` calls ``generateContent`` with text only. An image model is not the one to
rewrite prompts, so when ``model.model_id`` names one ("image" or "banana" in the id) the call
goes to ``TEXT_MODEL``.

Which image model ids exist and when they retire is in the catalogue (``models.catalogue``);
``gemini-nano-banana-2.1`` has no "image" in its id. Pinned Flash text ids turn over every few
months, so ``TEXT_MODEL`` is Google's floating alias ``gemini-flash-latest``.

Sources: https://ai.google.dev/gemini-api/docs/image-generation,
https://ai.google.dev/api/generate-content (GenerateContentResponse, PromptFeedback.BlockReason,
Candidate.FinishReason), https://ai.google.dev/gemini-api/docs/deprecations, and the
google-genai 3.3.0 types (``FinishReason``/``BlockedReason`` enums, ``ImageConfig``).
"""

from __future__ import annotations

from typing import Any

from models.catalogue import capabilities_for
from models.handlers import google_common
from models.handlers.common import image_result, nearest_ratio
from models.providers import PROVIDERS, Provider
from models.types import ErrorKind, GeneratedImage, GenerationParams, ModelConfig, ProviderError

TEXT_MODEL = PROVIDERS[Provider.GOOGLE_GEMINI].text_model_id or "gemini-flash-latest"
"""Used by ``write_text`` when the configured model is an image model (the provider row's)."""

ASPECT_RATIO = "1:1"
"""Sent as ``imageConfig.aspectRatio``; every current Gemini image model accepts 1:1 to 21:9."""

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


def generate_image(model: ModelConfig, prompt: str, params: GenerationParams) -> GeneratedImage:
    from google.genai import types

    ratio = params.aspect_ratio and nearest_ratio(
        params.aspect_ratio, capabilities_for(model.provider, model.model_id).aspect_ratios
    )
    config = types.GenerateContentConfig(
        response_modalities=["TEXT", "IMAGE"],
        image_config=types.ImageConfig(aspect_ratio=ratio or ASPECT_RATIO),
    )
    response = _generate(model, model.model_id, prompt, config, params.timeout)
    for part in _answer_parts(response):
        blob = part.inline_data
        if blob is not None and blob.data and (blob.mime_type or "").startswith("image/"):
            return image_result(blob.data).with_applied(aspectRatio=ratio)
    _raise_if_refused(response)
    said = _text(response)
    raise ProviderError(
        ErrorKind.BAD_RESPONSE,
        "the model returned no image" + (f": {said}" if said else ""),
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
    parts: list[Any] = []
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
