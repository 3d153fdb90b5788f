"""OpenAI: the Images API for pictures, Chat Completions for prompt rewriting.

Wire protocol (``POST https://api.openai.com/v1/images/generations``, ``Authorization: Bearer``):
``{"model", "prompt", "n": 1, "size"}``; the GPT image models always answer
``{"data": [{"b64_json": ...}]}`` and reject the legacy ``response_format``/``style`` fields of
the retired DALL-E models, so neither is sent. ``quality`` is left out too: each model then
uses its own default (``auto``). Sizes: every GPT image model takes ``1024x1024``,
``1536x1024`` and ``1024x1536``; ``gpt-image-2`` and the ``gpt-image-2.5`` models (and their
dated snapshots) also take any ``WIDTHxHEIGHT`` with both sides divisible by 16, an aspect
between 1:3 and 3:1 and from 655,360 pixels up to 3840x2160. Any other requested size is sent
as the nearest of the three standard ones.

Models (late 2026): ``gpt-image-2.6-sunburst``/``-flare``, ``gpt-image-2.5-sunburst``/``-flare``,
``gpt-image-2``; ``gpt-image-1.5``, ``gpt-image-1-mini`` and ``chatgpt-image-latest`` shut down
on 2026-12-01, ``gpt-image-1`` shut down on 2026-10-23, ``dall-e-2``/``dall-e-3`` on 2026-05-12.
The handler calls whatever ``model.model_id`` the registry resolved; a retired id comes back as
``model_not_found`` and is reported as a configuration error.

Text: ``write_text`` gets the model configured for /enhance, usually an image model, so it
calls ``TEXT_MODEL`` (``gpt-6-luna``, OpenAI's cheapest current chat model, with
``reasoning_effort="none"`` for speed) unless ``model_id`` is itself a chat model.
``gpt-4o-mini`` and ``gpt-4.1-mini`` shut down on 2027-01-14 and ``gpt-5-mini``/``-nano`` on
2026-12-11, with ``gpt-6-luna`` as the recommended replacement.

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

import re

from models.handlers import openai_compat as compat
from models.handlers.common import nearest_ratio
from models.types import GenerationParams, ImageResult, ModelConfig

ENDPOINT = compat.Endpoint("OpenAI", default_base_url="https://api.openai.com/v1")
TEXT_MODEL = "gpt-6-luna"
"""Chat model for ``write_text`` when the configured model is an image model."""

STANDARD_SIZES = ("1024x1024", "1536x1024", "1024x1536")
_FLEXIBLE_SIZE_MODELS = re.compile(
    r"^gpt-image-2(?:\.5-(?:sunburst|flare))?(?:-\d{4}-\d{2}-\d{2})?$"
)
"""Models that take any valid ``WIDTHxHEIGHT``, not only the three standard sizes."""
_SIZE = re.compile(r"^([1-9]\d{1,4})x([1-9]\d{1,4})$")
_MIN_PIXELS, _MAX_PIXELS = 655_360, 3840 * 2160


def generate_image(model: ModelConfig, prompt: str, params: GenerationParams) -> ImageResult:
    size = image_size(model.model_id, params.size)
    return compat.generate_image(ENDPOINT, model, prompt, params, {"n": 1, "size": size})


def write_text(model: ModelConfig, instruction: str, timeout: float) -> str:
    if is_chat_model(model.model_id):
        return compat.chat(ENDPOINT, model, instruction, timeout)
    options = {"reasoning_effort": "none"}
    return compat.chat(ENDPOINT, model, instruction, timeout, model_id=TEXT_MODEL, options=options)


def is_chat_model(model_id: str) -> bool:
    """True for a GPT chat model id (``gpt-6-luna``), false for an image model."""
    return model_id.startswith("gpt-") and "image" not in model_id


def image_size(model_id: str, size: str) -> str:
    """``size`` when ``model_id`` accepts it, else the standard size nearest in aspect."""
    if size in STANDARD_SIZES:
        return size
    match = _SIZE.match(size.strip().lower())
    if not match:
        return STANDARD_SIZES[0]
    width, height = int(match[1]), int(match[2])
    if (
        _FLEXIBLE_SIZE_MODELS.match(model_id)
        and width % 16 == 0
        and height % 16 == 0
        and 1 / 3 <= width / height <= 3
        and max(width, height) <= 3840
        and _MIN_PIXELS <= width * height <= _MAX_PIXELS
    ):
        return size
    return nearest_ratio(width, height, STANDARD_SIZES)
