"""OpenAI: the Images API for pictures, Chat Completions for prompt rewriting.

Wire protocol (``POST https://api.openai.com/v1/images/generations``, ``Authorization: Bearer``):
``{"model", "prompt", "n": 1, "size": "1024x1024"}``; the GPT image models always answer
``{"data": [{"b64_json": ...}]}`` and reject the legacy ``response_format``/``style`` fields of
the retired DALL-E models, so neither is sent. ``quality`` is left out too: each model then
uses its own default (``auto``). Sizes: every GPT image model takes ``1024x1024``,
``1536x1024`` and ``1024x1536``; ``gpt-image-2`` and the ``gpt-image-2.5`` models (and their
dated snapshots) also take any ``WIDTHxHEIGHT`` with both sides divisible by 16, an aspect
between 1:3 and 3:1 and from 655,360 pixels up to 3840x2160.

Which model ids exist and when they retire is in the catalogue (``models.catalogue``). The
handler calls whatever ``model.model_id`` the registry resolved; a retired id comes back as
``model_not_found`` and is reported as a configuration error.

Text: ``write_text`` gets the model configured for /enhance, usually an image model, so it
calls ``TEXT_MODEL`` (the provider row's ``text_model_id``, with ``reasoning_effort="none"``
for speed) unless ``model_id`` is itself a chat model.

Sources (checked 2026-11-26):
- openai-python 3.51.0 ``resources/images.py`` (``images.generate`` parameter docs: models,
  sizes, quality, ``response_format`` unsupported for GPT image models) and
  ``types/image_model.py`` (shutdown notes for ``gpt-image-1`` and DALL-E).
- OpenAI deprecations, https://developers.openai.com/api/docs/deprecations.
- OpenAI image generation guide, https://developers.openai.com/api/docs/guides/image-generation.
- gpt-image-2 pixel minimum (655,360): https://docs.anyfast.ai/api-reference/model-api/openai/gpt-image-2.
- GPT-6 Luna model page, https://developers.openai.com/api/docs/models/gpt-6-luna.
"""

from __future__ import annotations

from models.handlers import openai_compat as compat
from models.handlers.common import nearest_ratio
from models.providers import PROVIDERS, Provider
from models.types import GeneratedImage, GenerationParams, ModelConfig

TEXT_MODEL = PROVIDERS[Provider.OPENAI].text_model_id or "gpt-6-luna"
"""Chat model for ``write_text`` when the configured model is an image model (the row's)."""

SIZE = "1024x1024"
"""Every GPT image model takes it."""

SIZES = {"1:1": SIZE, "3:2": "1536x1024", "2:3": "1024x1536"}
"""The sizes every GPT image model takes, by ratio (the row's ``capabilities``): a requested
ratio is sent as the nearest of them. No seed and no negative prompt exist in this API."""


def generate_image(model: ModelConfig, prompt: str, params: GenerationParams) -> GeneratedImage:
    ratio = params.aspect_ratio and nearest_ratio(params.aspect_ratio, tuple(SIZES))
    size = SIZES[ratio] if ratio else SIZE
    image = compat.generate_image(model, prompt, params, {"n": 1, "size": size})
    return image.with_applied(aspectRatio=ratio, size=size if ratio else None)


def write_text(model: ModelConfig, instruction: str, timeout: float) -> str:
    if is_chat_model(model.model_id):
        return compat.chat(model, instruction, timeout)
    options = {"reasoning_effort": "none"}
    return compat.chat(model, instruction, timeout, model_id=TEXT_MODEL, options=options)


def is_chat_model(model_id: str) -> bool:
    """True for a GPT chat model id (``gpt-6-luna``), false for an image model."""
    return model_id.startswith("gpt-") and "image" not in model_id
