"""The handler lookup: each provider's handlers as named by its row of the provider table.

Targets (``module:function``) are imported on first use, so a cold start pays only for the
providers a deployment actually calls. Every handler comes back wrapped in ``common.guard``.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from models.handlers.common import guard
from models.providers import row_for
from models.types import ImageHandler, TextHandler


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
