"""Recraft through its OpenAI-compatible Images API.

Wire protocol: ``POST https://external.api.recraft.ai/v1/images/generations`` with
``Authorization: Bearer <token>`` and ``{"model", "prompt", "n": 1, "size"}``; the answer is
``{"created", "credits", "data": [{"image_id", "url"}]}`` with a signed URL (kept ~24 h) that
the handler downloads. ``size`` takes explicit ``WxH`` or an aspect ratio ``w:h`` from a
per-model list, and the explicit sizes differ per model (V4 Pro is 2048 px), so an aspect
ratio that V3 and every V4 model accept (``1:1``) is sent. ``style`` is left
at the model's default: only V2/V3 take it. Vector models (``*_vector``) answer with SVG, which
this service does not show, so they are refused before any credit is spent.

Errors: a non-2xx status with a body that is ``text/plain`` (``401 request unauthorized``) or
JSON; both are mapped like OpenAI's by ``openai_compat``.

Models (late 2026): ``recraftv4_1``, ``recraftv4_1_pro``, ``recraftv4``, ``recraftv4_pro``,
``recraftv3``, ``recraftv2`` (and their ``_vector`` variants).

Sources (checked 2026-11-26):
- Recraft API for AI agents, https://www.recraft.ai/docs/api-reference/agents.md (base URL,
  auth, "use extra_body for non-OpenAI parameters", temporary URLs).
- Recraft examples, https://www.recraft.ai/docs/api-reference/examples.md (OpenAI SDK usage).
- Recraft errors, https://www.recraft.ai/docs/api-reference/error-handling.md.
- Recraft appendix (sizes and aspect ratios), https://www.recraft.ai/docs/llms-full.txt;
  per-model parameter tables at https://docs.scenario.com/docs/third-party-model-generation-recraft-ai.
"""

from __future__ import annotations

from models.catalogue import capabilities_for
from models.handlers import openai_compat as compat
from models.handlers.common import nearest_ratio
from models.types import ErrorKind, GeneratedImage, GenerationParams, ModelConfig, ProviderError

ASPECT_RATIO = "1:1"
"""Sent as ``size`` when no ratio is asked for: V3 and every V4 raster model accept it. A
requested ratio is sent as the nearest of the row's list (the appendix's aspects, which V3 and
V4 share). Recraft documents no seed, and a negative prompt for V2/V3 only: neither is sent."""


def generate_image(model: ModelConfig, prompt: str, params: GenerationParams) -> GeneratedImage:
    if "vector" in model.model_id.lower():
        raise ProviderError(
            ErrorKind.CONFIGURATION,
            f"{model.model_id} draws SVG vectors; configure a raster Recraft model such as "
            "recraftv4_1",
        )
    ratio = params.aspect_ratio and nearest_ratio(
        params.aspect_ratio, capabilities_for(model.provider, model.model_id).aspect_ratios
    )
    image = compat.generate_image(model, prompt, params, {"n": 1, "size": ratio or ASPECT_RATIO})
    return image.with_applied(aspectRatio=ratio)
