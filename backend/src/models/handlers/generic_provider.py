"""Any OpenAI-compatible endpoint (``generic``; also ``hunyuan`` and ``qwen``).

``MODEL_N_BASE_URL`` is the SDK's ``base_url``: it includes the version path, for example
``https://host/v1`` or Qwen's ``https://dashscope-intl.aliyuncs.com/compatible-mode/v1``.
Images: ``POST {base_url}/images/generations`` with ``{"model", "prompt", "n": 1, "size"}``
(only the fields every compatible server knows); the answer's ``b64_json`` or ``url`` is used,
including a ``data:`` URL. Text: ``POST {base_url}/chat/completions`` with ``model_id``, which
must then be a chat model on that endpoint. A missing key is sent as a placeholder, for local
servers that need none.

Sources (checked 2026-11-26): OpenAI Images API as documented in openai-python 3.51.0
``resources/images.py``; Alibaba Model Studio Qwen image API ("supports both OpenAI-compatible
and DashScope protocols"),
https://www.alibabacloud.com/help/en/model-studio/qwen-image-generation-and-editing-api-reference.
"""

from __future__ import annotations

from models.handlers import openai_compat as compat
from models.types import GenerationParams, ImageResult, ModelConfig


def generate_image(model: ModelConfig, prompt: str, params: GenerationParams) -> ImageResult:
    options = {"n": 1, "size": params.size}
    return compat.generate_image(_endpoint(model), model, prompt, params, options)


def write_text(model: ModelConfig, instruction: str, timeout: float) -> str:
    return compat.chat(_endpoint(model), model, instruction, timeout)


def _endpoint(model: ModelConfig) -> compat.Endpoint:
    """No default URL (MODEL_N_BASE_URL is required) and the key is optional."""
    return compat.Endpoint(f"the {model.provider} endpoint", key_required=False)
