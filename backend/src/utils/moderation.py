"""The content filter's optional second stage: a moderation service's verdict.

``CONTENT_FILTER_MODE=provider`` (the spec's "LLM-based filter (optional, more accurate)")
asks a moderation endpoint about every prompt the keyword filter let through. This module is
the pure part: reading the endpoint's answer into a :class:`FilterResult`, and the two-stage
filter that falls back to the keyword verdict on any error. The call itself (I/O, the SDK,
the key) lives in ``models.moderation`` and is injected as a plain callable.

Failing open is deliberate: the keyword filter has already passed the prompt, the providers
run their own safety systems on the image call, and an outage of the moderation endpoint must
not take ``/generate`` and ``/enhance`` down with it. Every fallback is logged (without the
key: only :class:`ModerationUnavailable` messages, which the caller writes key-free, or an
exception's type name).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from utils.content_filter import FilterResult

__all__ = [
    "MODES",
    "MODE_KEYWORD",
    "MODE_PROVIDER",
    "LazyFilter",
    "ModeratedFilter",
    "ModerationUnavailable",
    "PromptFilter",
    "verdict_from_moderation",
]

MODE_KEYWORD = "keyword"
MODE_PROVIDER = "provider"
MODES = (MODE_KEYWORD, MODE_PROVIDER)

#: Prefix of ``FilterResult.term`` for a refusal by the moderation stage (logs only).
TERM_PREFIX = "moderation:"

log = logging.getLogger("pixel_prompt.moderation")


class PromptFilter(Protocol):
    """What the API needs from a content filter: the keyword filter or the two-stage one."""

    def check(self, prompt: str) -> FilterResult: ...


class LazyFilter:
    """A filter built on the first prompt it checks, once, whichever thread asks first.

    Building the keyword filter (about a thousand phrases, normalised and indexed) is the
    largest single piece of a cold container's start, and most first events never check a
    prompt: clients poll ``/status`` and page the gallery far more often than they generate.
    """

    def __init__(self, build: Callable[[], PromptFilter]) -> None:
        self._build = build
        self._built: PromptFilter | None = None
        self._lock = threading.Lock()

    def check(self, prompt: str) -> FilterResult:
        built = self._built
        if built is None:
            with self._lock:
                if self._built is None:
                    self._built = self._build()
                built = self._built
        return built.check(prompt)


class ModerationUnavailable(Exception):
    """The moderation stage could not give a verdict; the message is safe to log (no key)."""


Moderator = Callable[[str], Mapping[str, Any]]
"""Sends one prompt to the moderation endpoint, returns its decoded JSON answer."""


def verdict_from_moderation(body: Mapping[str, Any]) -> FilterResult:
    """Read an OpenAI moderation answer: blocked when any result is ``flagged``.

    Shape (https://platform.openai.com/docs/api-reference/moderations/object):
    ``{"id", "model", "results": [{"flagged": bool, "categories": {name: bool},
    "category_scores": {name: float}, "category_applied_input_types": {...}}]}``.
    ``flagged`` is the service's own decision over its category thresholds, so no score is
    second-guessed here. The term names the flagged categories, for logs only.
    An answer without a boolean ``flagged`` in every result raises
    :class:`ModerationUnavailable` (no verdict is better than a guessed one).
    """
    results = body.get("results") if isinstance(body, Mapping) else None
    if not isinstance(results, list) or not results:
        raise ModerationUnavailable("the moderation answer has no results")
    flagged = False
    categories: list[str] = []
    for result in results:
        if not isinstance(result, Mapping) or not isinstance(result.get("flagged"), bool):
            raise ModerationUnavailable("the moderation answer has a result without 'flagged'")
        if result["flagged"]:
            flagged = True
            named = result.get("categories")
            if isinstance(named, Mapping):
                categories.extend(sorted(str(k) for k, v in named.items() if v is True))
    if not flagged:
        return FilterResult(blocked=False)
    return FilterResult(blocked=True, term=f"{TERM_PREFIX} {','.join(categories) or 'flagged'}")


class ModeratedFilter:
    """The keyword filter first; when it passes a prompt, the moderation verdict.

    A keyword refusal never reaches the endpoint (free, instant, and no prompt leaves the
    service for nothing). Any failure of the second stage returns the keyword verdict.
    """

    def __init__(
        self,
        keywords: PromptFilter,
        moderate: Moderator,
        logger: logging.Logger | None = None,
    ) -> None:
        self.keywords = keywords
        self.moderate = moderate
        self.log = logger or log

    def check(self, prompt: str) -> FilterResult:
        result = self.keywords.check(prompt)
        if result.blocked or not prompt.strip():
            return result
        try:
            return verdict_from_moderation(self.moderate(prompt))
        except ModerationUnavailable as exc:
            reason = str(exc)
        except Exception as exc:  # any error: fall back, never fail the request
            reason = f"unexpected {type(exc).__name__}"
        self.log.warning(
            json.dumps({"event": "moderation_fallback", "reason": reason, "verdict": "keyword"})
        )
        return result

    def is_blocked(self, prompt: str) -> bool:
        return self.check(prompt).blocked
