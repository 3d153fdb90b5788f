"""The provider table: one module per provider, looked up by provider name.

Entries name ``module:function`` and are imported on first use, so a cold start pays only for
the providers a deployment actually calls (the openai and google-genai SDKs cost seconds).
"""

from __future__ import annotations

import importlib
from functools import cache

from models.handlers.common import guard, guard_text
from models.types import ImageHandler, TextHandler

_IMAGE_HANDLERS: dict[str, str] = {
    "openai": "models.handlers.openai_provider:generate_image",
    "google_gemini": "models.handlers.gemini_provider:generate_image",
    "google_imagen": "models.handlers.imagen_provider:generate_image",
    "stability": "models.handlers.stability_provider:generate_image",
    "bfl": "models.handlers.bfl_provider:generate_image",
    "recraft": "models.handlers.recraft_provider:generate_image",
    "bedrock_nova": "models.handlers.bedrock_provider:generate_nova_image",
    "bedrock_sd": "models.handlers.bedrock_provider:generate_sd_image",
    "generic": "models.handlers.generic_provider:generate_image",
    "hunyuan": "models.handlers.generic_provider:generate_image",
    "qwen": "models.handlers.generic_provider:generate_image",
    "local": "models.handlers.local_provider:generate_image",
}

_TEXT_HANDLERS: dict[str, str] = {
    "openai": "models.handlers.openai_provider:write_text",
    "google_gemini": "models.handlers.gemini_provider:write_text",
    "generic": "models.handlers.generic_provider:write_text",
    "hunyuan": "models.handlers.generic_provider:write_text",
    "qwen": "models.handlers.generic_provider:write_text",
    "local": "models.handlers.local_provider:write_text",
}

PROVIDERS: frozenset[str] = frozenset(_IMAGE_HANDLERS)


def _load(target: str):
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


@cache
def get_handler(provider: str) -> ImageHandler:
    """The guarded image handler for ``provider``; unknown providers use the generic one."""
    return guard(_load(_IMAGE_HANDLERS.get(provider, _IMAGE_HANDLERS["generic"])))


@cache
def get_text_handler(provider: str) -> TextHandler | None:
    """The guarded text (chat) handler for ``provider``, or None when it cannot write text."""
    target = _TEXT_HANDLERS.get(provider)
    return guard_text(_load(target)) if target else None
