"""The value types shared by the registry, the provider handlers and the executor.

One failure channel: every image handler has the signature
``handler(model, prompt, params) -> GeneratedImage`` and every text handler
``handler(model, instruction, timeout) -> str``; either raises ``ProviderError`` (a typed
``ErrorKind`` and a message for a person) when it produces nothing. The handler lookup wraps
each handler in ``models.handlers.common.guard``, which turns any other exception into a
``ProviderError`` and removes the model's key from the message, so callers catch exactly one
exception type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from models.providers import Provider


class ErrorKind(StrEnum):
    """Why a model produced no image; stable strings stored in job documents."""

    AUTH = "auth"
    RATE_LIMITED = "rate_limited"
    CONTENT_BLOCKED = "content_blocked"
    TIMEOUT = "timeout"
    BAD_RESPONSE = "bad_response"
    PROVIDER_ERROR = "provider_error"
    CONFIGURATION = "configuration"


@dataclass(frozen=True)
class ModelConfig:
    """One configured model (MODEL_N_*), resolved by the registry.

    ``model_id`` is the exact id sent to the provider; ``base_url`` overrides the provider's
    endpoint with the meaning of that provider's own SDK (see README); ``region`` is used by
    Bedrock only. ``price_usd`` is what one image costs (``models.pricing``). The key is
    excluded from ``repr`` so it never reaches a log by accident.
    """

    index: int
    name: str
    provider: Provider
    model_id: str
    key: str = field(default="", repr=False)
    base_url: str | None = None
    region: str | None = None
    price_usd: float = 0.0


@dataclass(frozen=True)
class GenerationParams:
    """What a user may tune; each handler maps what its provider supports and ignores the rest.

    ``timeout`` is the whole budget for one model in seconds (MODEL_TIMEOUT_SECONDS): a
    handler's network calls and retries must fit inside it.
    """

    steps: int | None = None
    guidance: float | None = None
    timeout: float = 60.0
    aspect_ratio: str | None = None
    """One of ``models.capabilities.ASPECT_RATIOS`` (``"16:9"``); None: the model's default."""
    seed: int | None = None
    """0-4294967295; a provider with a smaller range gets it clamped (the handler says so)."""
    negative_prompt: str | None = None


@dataclass(frozen=True)
class GeneratedImage:
    """What a handler returns: image bytes (checked to decode) and their media type.

    ``applied`` names, in the API's vocabulary (``aspectRatio``, ``seed``, ``negativePrompt``,
    ``steps``, ``guidance``), each user parameter the handler actually sent and the value it
    sent (the nearest ratio, a clamped seed); a provider-specific ``size`` may accompany the
    ratio. Whatever the user set and is not named here was ignored (``jobs.executor``).
    """

    data: bytes = field(repr=False)
    media_type: str
    applied: Mapping[str, Any] = field(default_factory=dict)

    def with_applied(self, **applied: Any) -> GeneratedImage:
        """This image with ``applied`` recorded (None values dropped)."""
        values = {name: value for name, value in applied.items() if value is not None}
        return GeneratedImage(self.data, self.media_type, {**self.applied, **values})


class ProviderError(Exception):
    """Why a model produced no image or text: the one exception handlers and guards raise."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


ImageHandler = Callable[[ModelConfig, str, GenerationParams], GeneratedImage]
TextHandler = Callable[[ModelConfig, str, float], str]
"""``text_handler(model, instruction, timeout) -> text``; raises ``ProviderError``."""
