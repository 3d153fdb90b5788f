"""What a handler call came to, as the executor records it: an image, or a typed error.

Handlers return a ``GeneratedImage`` or raise ``ProviderError``; tests that check both sides of a
handler call ``attempt`` to get one value to assert on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from models.types import ErrorKind, GeneratedImage, GenerationParams, ModelConfig, ProviderError


@dataclass(frozen=True)
class Outcome:
    image: bytes | None = field(default=None, repr=False)
    media_type: str | None = None
    error_kind: ErrorKind | None = None
    error: str | None = None
    applied: dict = field(default_factory=dict)
    """The parameters the handler said it sent (``GeneratedImage.applied``)."""

    @property
    def ok(self) -> bool:
        return self.image is not None


def attempt(
    handler: Callable[[ModelConfig, str, GenerationParams], GeneratedImage],
    model: ModelConfig,
    prompt: str,
    params: GenerationParams,
) -> Outcome:
    """Call an image handler; its image or its ``ProviderError`` as an ``Outcome``."""
    try:
        image = handler(model, prompt, params)
    except ProviderError as exc:
        return Outcome(error_kind=exc.kind, error=exc.message)
    return Outcome(image=image.data, media_type=image.media_type, applied=dict(image.applied))
