"""The handler lookup: each provider's handlers as named by its row of the provider table.

Targets (``module:function``) are imported on first use, so a cold start pays only for the
providers a deployment actually calls. Every handler comes back wrapped in ``common.guard``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

from models.handlers.common import guard
from models.providers import row_for
from models.types import ImageHandler, ModelConfig, TextHandler

log = logging.getLogger(__name__)


def preload(models: Iterable[ModelConfig], timeout: float) -> None:
    """Import the image handlers the configured ``models`` use and the SDKs they call, one
    thread per module, then create each model's SDK client, one thread per model, before any
    job needs them. Only a worker calls this (``worker_function``'s init phase): the API path
    must stay free of SDKs. A failure is logged and left to happen again, per model, when a
    job calls it. ``timeout`` is the model timeout (part of the Bedrock client's identity)."""
    models = list(models)
    modules: set[str] = set()
    for model in models:
        row = row_for(model.provider)
        modules.add(row.image_handler.partition(":")[0])
        modules.update(row.sdk_modules)
    if not modules:
        return
    with ThreadPoolExecutor(max_workers=len(modules)) as pool:
        for name, error in zip(sorted(modules), pool.map(_import, sorted(modules)), strict=True):
            if error:
                log.warning("preloading %s failed: %s", name, error)
    with ThreadPoolExecutor(max_workers=max(1, len(models))) as pool:
        list(pool.map(lambda model: _create_client(model, timeout), models))


def _create_client(model: ModelConfig, timeout: float) -> None:
    """Create (and cache, see ``common.shared_client``) the client the model's handler will
    ask for; providers without one (plain HTTP) have nothing to create."""
    sdk = row_for(model.provider).sdk_modules
    try:
        if "openai" in sdk:
            from models.handlers import openai_compat

            endpoint = openai_compat.Endpoint.of(model)
            openai_compat.sdk_client(endpoint.key, endpoint.base_url)
        elif "google.genai" in sdk:
            from models.handlers import google_common

            google_common.client(model)
        elif "boto3" in sdk:
            from models.handlers import bedrock_provider

            bedrock_provider.client_for(model, timeout)
    except Exception as exc:  # the model's job reports it, with the handler's own message
        log.warning("model %s: no client ahead of its job (%s)", model.index, type(exc).__name__)


def _import(module: str) -> str | None:
    try:
        importlib.import_module(module)
    except Exception as exc:
        return type(exc).__name__
    return None


def _load(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


@cache
def get_handler(provider: str) -> ImageHandler:
    """The guarded image handler for ``provider``; unknown providers use the generic one."""
    handler: ImageHandler = guard(_load(row_for(provider).image_handler))
    return handler


@cache
def get_text_handler(provider: str) -> TextHandler | None:
    """The guarded text (chat) handler for ``provider``, or None when it cannot write text."""
    target = row_for(provider).text_handler
    if target is None:
        return None
    handler: TextHandler = guard(_load(target))
    return handler
