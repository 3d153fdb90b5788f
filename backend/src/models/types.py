"""The value types shared by the registry, the provider handlers and the executor.

Every provider handler has the same signature, ``handler(model, prompt, params) -> ImageResult``,
and never raises: a failure is an ``ImageResult`` with a typed ``ErrorKind`` and a one-line,
key-free message meant for a person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


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
    provider: str
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
    control: float | None = None
    negative_prompt: str | None = None
    size: str = "1024x1024"
    timeout: float = 60.0


@dataclass(frozen=True)
class ImageResult:
    """Either image bytes with their media type, or a typed error with a message for a person."""

    image: bytes | None = field(default=None, repr=False)
    media_type: str | None = None
    error_kind: ErrorKind | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.image is not None

    @classmethod
    def success(cls, image: bytes, media_type: str) -> ImageResult:
        return cls(image=image, media_type=media_type)

    @classmethod
    def failure(cls, kind: ErrorKind, message: str) -> ImageResult:
        return cls(error_kind=kind, error=message)


class ProviderError(Exception):
    """Raised inside a handler; the handler table turns it into ``ImageResult.failure``."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


ImageHandler = Callable[[ModelConfig, str, GenerationParams], ImageResult]
TextHandler = Callable[[ModelConfig, str, float], str]
"""``text_handler(model, instruction, timeout) -> text``; raises ``ProviderError``."""
