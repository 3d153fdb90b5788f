"""Stability AI: Stable Image REST API v2beta (SD 3.5, Stable Image Core and Ultra).

Wire protocol (checked late 2026):

* ``POST {base}/v2beta/stable-image/generate/{endpoint}`` with ``multipart/form-data``
  (``requests`` sends multipart when given ``files``; Stability's own examples pass
  ``files={"none": ""}``), headers ``authorization: Bearer <key>`` and ``accept: image/*``.
* Endpoint by model id: ``sd3.5-large``, ``sd3.5-large-turbo``, ``sd3.5-medium``,
  ``sd3.5-flash`` (and any other ``sd3*`` id) go to ``sd3`` with a ``model`` form field;
  ``stable-image-core`` / ``core`` go to ``core``; ``stable-image-ultra`` / ``ultra`` to
  ``ultra``. The SD3.0 ids were retired by Stability in 2025; the registry, not this
  module, decides which id is current.
* Fields: ``prompt``, ``output_format=png``, ``aspect_ratio`` (one of 21:9 16:9 3:2 5:4 1:1
  4:5 2:3 9:16 9:21: the requested ratio or the nearest, else ``1:1``), ``seed`` (0-4294967294),
  ``negative_prompt`` (not on turbo: ``models.catalogue.MODEL_CAPABILITIES``), and
  ``cfg_scale`` (``sd3`` only, 1-10) from ``params.guidance``. No width/height, no steps.
* 200: raw image bytes; header ``finish-reason`` is ``SUCCESS`` or ``CONTENT_FILTERED``
  (the output was blurred by moderation -> ``content_blocked``).
* Errors are JSON ``{"id", "name", "errors": [str]}``: 400 bad parameters, 401 bad key,
  402 no credits (mapped to ``provider_error``: the key is fine, retrying will not help),
  403 ``name="content_moderation"`` (-> ``content_blocked``; any other 403 -> ``auth``),
  413 too large, 422 rejected, 429 rate limited (150 requests / 10 s), 500 internal.

Sources: platform.stability.ai/docs/api-reference (Stable Image: Generate Core / Ultra /
SD3), as mirrored in api-evangelist/stability-ai openapi/stability-ai-generate-sd3-api-openapi.yml
and the v2beta response-code reference quoted in public MCP servers ("Stability AI API
Reference": finish-reason header, 403 content_moderation); agentbus.sh "How to use the
Stability AI API" (``files={"none": ""}``); prismix.dev "Stability AI not working" (402
credits, 401 key, v1 retired in favour of v2beta); docs.litellm.ai/docs/providers/stability
(2026-10, model ``sd3.5-large`` on this API).
"""

from __future__ import annotations

from typing import Any

import requests

from models.catalogue import capabilities_for
from models.handlers.common import Deadline, error_detail, image_result, nearest_ratio
from models.handlers.http_json import check, json_or_none, send
from models.providers import PROVIDERS, Provider
from models.types import ErrorKind, GeneratedImage, GenerationParams, ModelConfig, ProviderError

ROW = PROVIDERS[Provider.STABILITY]
PROVIDER = ROW.label
ASPECT_RATIO = "1:1"
CFG_SCALE_RANGE = (1.0, 10.0)
MAX_SEED = 4_294_967_294
"""Stability's seed range is 0-4294967294 (0: random); a larger seed is sent as this."""


def endpoint_for(model_id: str) -> tuple[str, str | None]:
    """(endpoint, ``model`` form field) for a Stability model id."""
    name = model_id.strip().lower()
    if name.startswith("sd3"):
        return "sd3", name
    if name.startswith("stable-image-"):
        name = name.removeprefix("stable-image-")
    if name in ("core", "ultra"):
        return name, None
    raise ProviderError(
        ErrorKind.CONFIGURATION,
        f"unknown Stability model id {model_id!r}: use sd3.5-*, stable-image-core or "
        "stable-image-ultra",
    )


def _form(
    model_id: str, prompt: str, params: GenerationParams
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """(endpoint, form fields, applied parameters in the API's names)."""
    endpoint, sd3_model = endpoint_for(model_id)
    capabilities = capabilities_for(Provider.STABILITY, model_id)
    ratio = params.aspect_ratio and nearest_ratio(params.aspect_ratio, capabilities.aspect_ratios)
    form = {"prompt": prompt, "output_format": "png", "aspect_ratio": ratio or ASPECT_RATIO}
    applied: dict[str, Any] = {"aspectRatio": ratio}
    if params.seed is not None and capabilities.seed:
        seed = min(params.seed, MAX_SEED)
        form["seed"] = str(seed)
        applied["seed"] = seed
    if params.negative_prompt and capabilities.negative_prompt:
        form["negative_prompt"] = params.negative_prompt
        applied["negativePrompt"] = params.negative_prompt
    if sd3_model:
        form["model"] = sd3_model
        if params.guidance is not None and capabilities.guidance:
            low, high = CFG_SCALE_RANGE
            cfg = min(max(params.guidance, low), high)
            form["cfg_scale"] = f"{cfg:g}"
            applied["guidance"] = cfg
    return endpoint, form, applied


def generate_image(model: ModelConfig, prompt: str, params: GenerationParams) -> GeneratedImage:
    """Generate one PNG with a Stability Stable Image model."""
    deadline = Deadline(params.timeout)
    endpoint, form, applied = _form(model.model_id, prompt, params)
    base = (model.base_url or ROW.default_base_url or "").rstrip("/").removesuffix("/v2beta")
    headers = {"authorization": f"Bearer {model.key}", "accept": "image/*"}
    with requests.Session() as session:
        response = send(
            session,
            "POST",
            f"{base}/v2beta/stable-image/generate/{endpoint}",
            deadline,
            headers=headers,
            data=form,
            files={"none": ""},
        )
    if response.status_code == 403:
        body = json_or_none(response)
        if isinstance(body, dict) and body.get("name") == "content_moderation":
            detail = error_detail(body) or "the prompt was flagged by content moderation"
            raise ProviderError(ErrorKind.CONTENT_BLOCKED, f"{PROVIDER} refused: {detail}")
    check(response, PROVIDER)
    if response.headers.get("finish-reason", "").upper() == "CONTENT_FILTERED":
        raise ProviderError(
            ErrorKind.CONTENT_BLOCKED, f"{PROVIDER} filtered the image for its content policy"
        )
    return image_result(response.content).with_applied(**applied)
