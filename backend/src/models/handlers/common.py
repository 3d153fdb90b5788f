"""Helpers every provider handler shares: timeouts, error mapping, redaction, image checks.

Handlers raise ``ProviderError`` for anything they understand; ``guard`` (used by the handler
table) turns those, and anything unexpected, into a key-free ``ImageResult.failure``.
"""

from __future__ import annotations

import functools
import io
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from models.types import (
    ErrorKind,
    GenerationParams,
    ImageHandler,
    ImageResult,
    ModelConfig,
    ProviderError,
    TextHandler,
)

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
"""Largest image we accept from a provider URL; a 2048px PNG is well under this."""

CONNECT_TIMEOUT_SECONDS = 5.0
_MAX_MESSAGE_CHARS = 300
_SECRETISH = re.compile(
    r"(?i)(bearer\s+|x-key[:=]\s*|api[_-]?key[:=]\s*|key=)[^\s&\"',]+"
    r"|\b(sk|pk|rk|key|r8)[-_][A-Za-z0-9_\-]{12,}"
    r"|\bAIza[0-9A-Za-z_\-]{20,}"
)


def redact(text: str, key: str = "") -> str:
    """One line, bounded, with the model's key and anything key-shaped masked."""
    if key and len(key) >= 4:
        text = text.replace(key, "[redacted]")
    text = _SECRETISH.sub(lambda m: (m.group(1) or "") + "[redacted]", text)
    text = " ".join(text.split())
    if len(text) > _MAX_MESSAGE_CHARS:
        text = text[: _MAX_MESSAGE_CHARS - 1] + "…"
    return text


def http_timeout(total: float) -> tuple[float, float]:
    """(connect, read) timeouts for one HTTP call inside a model budget of ``total`` seconds."""
    return (min(CONNECT_TIMEOUT_SECONDS, total), max(total, 0.1))


def kind_for_status(status: int) -> ErrorKind:
    """The error kind an HTTP status means, before any provider-specific refinement."""
    if status in (401, 403):
        return ErrorKind.AUTH
    if status == 429:
        return ErrorKind.RATE_LIMITED
    if status in (408, 504):
        return ErrorKind.TIMEOUT
    return ErrorKind.PROVIDER_ERROR


def parse_size(size: str, default: tuple[int, int] = (1024, 1024)) -> tuple[int, int]:
    """``"1024x768"`` -> ``(1024, 768)``; anything unreadable (or a zero side) gives ``default``."""
    width, sep, height = (size or "").lower().partition("x")
    if sep and width.strip().isdigit() and height.strip().isdigit():
        w, h = int(width), int(height)
        if w > 0 and h > 0:
            return w, h
    return default


def nearest_ratio(width: int, height: int, allowed: Sequence[str]) -> str:
    """The entry of ``allowed`` (``"W:H"`` ratios or ``"WxH"`` sizes) whose aspect is closest,
    in log scale, to ``width / height``; on a tie the earlier entry wins."""
    wanted = math.log(width / height)

    def distance(shape: str) -> float:
        w, h = re.split(r"[:x]", shape)
        return abs(math.log(int(w) / int(h)) - wanted)

    return min(allowed, key=distance)


class Deadline:
    """A model's whole time budget, for handlers that make several calls (submit, poll, fetch)."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left; raises a timeout ``ProviderError`` once the budget is spent."""
        left = self._end - time.monotonic()
        if left <= 0:
            raise ProviderError(ErrorKind.TIMEOUT, "the provider did not finish in time")
        return left


def image_result(data: bytes) -> ImageResult:
    """Check that ``data`` decodes as an image and name its media type."""
    from PIL import Image, UnidentifiedImageError  # Pillow is imported only where images are

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
            fmt = (img.format or "").upper()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ProviderError(ErrorKind.BAD_RESPONSE, "the provider returned no valid image") from exc
    media_type = Image.MIME.get(fmt)
    if not media_type:
        raise ProviderError(ErrorKind.BAD_RESPONSE, f"unsupported image format {fmt or '?'}")
    return ImageResult.success(data, media_type)


def download_image(
    session: requests.Session | None,
    url: str,
    deadline: Deadline,
    headers: dict[str, str] | None = None,
) -> ImageResult:
    """Fetch an image a provider links to, capped at ``MAX_DOWNLOAD_BYTES`` and checked."""
    import requests

    http = session or requests
    response = http.get(
        url, headers=headers, timeout=http_timeout(deadline.remaining()), stream=True
    )
    with response:
        if response.status_code >= 400:
            raise ProviderError(
                kind_for_status(response.status_code),
                f"image download failed with HTTP {response.status_code}",
            )
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > MAX_DOWNLOAD_BYTES:
            raise ProviderError(ErrorKind.BAD_RESPONSE, "the image is larger than 20 MB")
        chunks, size = [], 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > MAX_DOWNLOAD_BYTES:
                raise ProviderError(ErrorKind.BAD_RESPONSE, "the image is larger than 20 MB")
            chunks.append(chunk)
            deadline.remaining()
    return image_result(b"".join(chunks))


def _exception_kind(exc: BaseException) -> ErrorKind:
    """Generic mapping for exceptions a handler did not translate itself."""
    name = type(exc).__name__.lower()
    if "timeout" in name or isinstance(exc, TimeoutError):
        return ErrorKind.TIMEOUT
    return ErrorKind.PROVIDER_ERROR


def guard(handler: Callable[..., ImageResult]) -> ImageHandler:
    """Wrap a handler so it never raises and never returns a message containing the key."""

    def guarded(model: ModelConfig, prompt: str, params: GenerationParams) -> ImageResult:
        try:
            result = handler(model, prompt, params)
        except ProviderError as exc:
            return ImageResult.failure(exc.kind, redact(exc.message, model.key))
        except Exception as exc:
            kind = _exception_kind(exc)
            log.warning(
                "model %s (%s) failed: %s: %s",
                model.index,
                model.provider,
                type(exc).__name__,
                redact(str(exc), model.key),
            )
            return ImageResult.failure(kind, redact(f"{type(exc).__name__}: {exc}", model.key))
        if result.error is not None:
            return ImageResult.failure(
                result.error_kind or ErrorKind.PROVIDER_ERROR, redact(result.error, model.key)
            )
        return result

    guarded.__name__ = getattr(handler, "__name__", "handler")
    guarded.__doc__ = handler.__doc__
    return guarded


def guard_text(handler: Callable[..., str]) -> TextHandler:
    """Wrap a text handler so it raises only ``ProviderError``, its message free of the key."""

    def guarded(model: ModelConfig, instruction: str, timeout: float) -> str:
        try:
            return handler(model, instruction, timeout)
        except ProviderError as exc:
            raise ProviderError(exc.kind, redact(exc.message, model.key)) from exc
        except Exception as exc:
            message = redact(f"{type(exc).__name__}: {exc}", model.key)
            raise ProviderError(_exception_kind(exc), message) from exc

    guarded.__name__ = getattr(handler, "__name__", "handler")
    guarded.__doc__ = handler.__doc__
    return guarded


CLIENT_CACHE_SIZE = 16
_client_caches: list[dict[tuple[Any, ...], Any]] = []


def shared_client[T](factory: Callable[..., T]) -> Callable[..., T]:
    """Keep one SDK client per set of arguments for the container's life.

    Creating a client loads TLS certificates and botocore/httpx set-up (30-60 ms, and a job's
    threads queue for it behind the GIL); reusing one also keeps provider connections open
    between calls. Each client is created once even when a job's threads ask at the same
    moment: a losing duplicate would be garbage-collected, and google-genai closes its HTTP
    client when that happens. Callers hold the client in a variable for the whole call, so
    evicting it from the cache never closes it mid-request.
    """
    clients: dict[tuple[Any, ...], T] = {}
    _client_caches.append(clients)
    lock = threading.Lock()

    @functools.wraps(factory)
    def get(*args: Any) -> T:
        with lock:
            client = clients.get(args)
            if client is None:
                if len(clients) >= CLIENT_CACHE_SIZE:
                    clients.pop(next(iter(clients)))
                client = clients[args] = factory(*args)
        return client

    return get


def forget_shared_clients() -> None:
    """Drop every cached client. For tests: a fake server's port can be reused by the next
    test's server, and a cached client would reuse a kept-alive connection to the old one."""
    for clients in _client_caches:
        clients.clear()
