"""Any OpenAI-compatible endpoint (``generic``; also ``hunyuan`` and ``qwen``).

``MODEL_N_BASE_URL`` is the SDK's ``base_url``: it includes the version path, for example
``https://host/v1`` or Qwen's ``https://dashscope-intl.aliyuncs.com/compatible-mode/v1``.
Images: ``POST {base_url}/images/generations`` with
``{"model", "prompt", "n": 1, "size": "1024x1024"}``
(only the fields every compatible server knows); the answer's ``b64_json`` or ``url`` is used,
including a ``data:`` URL. Text: ``POST {base_url}/chat/completions`` with ``model_id``, which
must then be a chat model on that endpoint. A missing key is sent as a placeholder, for local
servers that need none (the provider rows say no key is required).

Sources (checked 2026-11-26): OpenAI Images API as documented in openai-python 3.51.0
``resources/images.py``; Alibaba Model Studio Qwen image API ("supports both OpenAI-compatible
and DashScope protocols"),
https://www.alibabacloud.com/help/en/model-studio/qwen-image-generation-and-editing-api-reference.
"""

from __future__ import annotations

from models.handlers import openai_compat as compat
from models.handlers.common import size_for_ratio
from models.types import GeneratedImage, GenerationParams, ModelConfig

SIZE = "1024x1024"


def generate_image(model: ModelConfig, prompt: str, params: GenerationParams) -> GeneratedImage:
    """A requested ratio is sent as a ``size`` of about a megapixel in that ratio, both sides
    multiples of 64 (``16:9`` -> ``1344x768``); seed and negative prompt are not standard."""
    if not params.aspect_ratio:
        return compat.generate_image(model, prompt, params, {"n": 1, "size": SIZE})
    width, height = size_for_ratio(params.aspect_ratio)
    size = f"{width}x{height}"
    image = compat.generate_image(model, prompt, params, {"n": 1, "size": size})
    return image.with_applied(aspectRatio=params.aspect_ratio, size=size)


def write_text(model: ModelConfig, instruction: str, timeout: float) -> str:
    return compat.chat(model, instruction, timeout)
