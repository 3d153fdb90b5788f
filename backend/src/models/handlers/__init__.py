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
from models.types import ImageHandler, TextHandler

log = logging.getLogger(__name__)


def preload(providers: Iterable[str]) -> None:
    """Import the image handlers of ``providers`` and the SDKs they call, one thread per
    module, before any job needs them. Only a worker calls this (``worker_function``'s init
    phase): the API path must stay free of SDKs. A module that fails to import is logged and
    left to fail again, per model, when a job calls it."""
    modules: set[str] = set()
    for provider in set(providers):
        row = row_for(provider)
        modules.add(row.image_handler.partition(":")[0])
        modules.update(row.sdk_modules)
    if not modules:
        return
    with ThreadPoolExecutor(max_workers=len(modules)) as pool:
        for name, error in zip(sorted(modules), pool.map(_import, sorted(modules)), strict=True):
            if error:
                log.warning("preloading %s failed: %s", name, error)


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
