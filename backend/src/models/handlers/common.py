"""Helpers every provider handler shares: the guard, redaction, timeouts, image checks.

Handlers raise ``ProviderError`` for anything they understand. ``guard`` (applied by the handler
lookup to image and text handlers alike) checks the key first, turns anything unexpected into a
``ProviderError`` and removes every form of the model's key from the message before it is cut
to length, so the executor and the prompt enhancer catch one exception type whose message is
safe to store, log and show.
"""

from __future__ import annotations

import base64
import functools
import io
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Concatenate

from models.detection import is_placeholder
from models.providers import row_for
from models.types import ErrorKind, GeneratedImage, ModelConfig, ProviderError

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
"""Largest image we accept from a provider URL; a 2048px PNG is well under this."""

CONNECT_TIMEOUT_SECONDS = 5.0
MAX_MESSAGE_CHARS = 300
KEY_PIECE_CHARS = 12
"""No run of this many characters of a configured key (or of its base64) survives ``redact``."""
_REDACT_SCAN_CHARS = 20 * MAX_MESSAGE_CHARS
"""Only this much of a huge message is scanned; the rest is cut off anyway."""
_REDACTED = "[redacted]"
_SECRETISH = re.compile(
    r"(?i)(bearer\s+|x-key[:=]\s*|x-goog-api-key[:=]\s*|api[_-]?key[:=]\s*|key=)"
    r"[^\s&\"',]+"
    r"|\b(sk|pk|rk|key|r8)[-_][A-Za-z0-9_\-]{12,}"
    r"|\bAIza[0-9A-Za-z_\-]{20,}"
)


def _key_forms(key: str) -> set[str]:
    """The key as sent and as it appears inside base64 (standard and URL-safe, at each of the
    three byte alignments, so a key embedded in a longer encoded string is found too)."""
    raw = key.encode()
    forms = {key}
    for shift in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * shift + raw).decode().rstrip("=")
            # Drop the characters that also depend on the bytes before and after the key.
            forms.add(encoded[(4 * shift + 2) // 3 : len(encoded) - 1])
    return forms


def _mask_key(text: str, key: str) -> str:
    """Replace every run of text that shares ``KEY_PIECE_CHARS`` characters with a key form."""
    key = key.strip()
    if len(key) < 4:
        return text
    if len(key) < KEY_PIECE_CHARS:
        return text.replace(key, _REDACTED)
    pieces = {
        form[i : i + KEY_PIECE_CHARS]
        for form in _key_forms(key)
        for i in range(len(form) - KEY_PIECE_CHARS + 1)
    }
    covered = [False] * len(text)
    for i in range(len(text) - KEY_PIECE_CHARS + 1):
        if text[i : i + KEY_PIECE_CHARS] in pieces:
            covered[i : i + KEY_PIECE_CHARS] = [True] * KEY_PIECE_CHARS
    out: list[str] = []
    for i, char in enumerate(text):
        if not covered[i]:
            out.append(char)
        elif i == 0 or not covered[i - 1]:
            out.append(_REDACTED)
    return "".join(out)


def redact(text: str, key: str = "") -> str:
    """One line, key-free, then bounded: the key (and its base64 forms, and any piece of
    ``KEY_PIECE_CHARS`` characters of them) and anything key-shaped (``Bearer ...``) are masked
    first, and only then is the message cut, so a cut can never leave a key fragment behind."""
    text = _mask_key(text[:_REDACT_SCAN_CHARS], key)
    text = _SECRETISH.sub(lambda m: (m.group(1) or "") + _REDACTED, text)
    text = " ".join(text.split())
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS - 1] + "…"
    return text


def require_key(model: ModelConfig) -> None:
    """The one key check: a provider that needs a key is never called without one."""
    row = row_for(model.provider)
    if row.key_required and is_placeholder(model.key):
        raise ProviderError(
            ErrorKind.CONFIGURATION,
            f"MODEL_{model.index}_KEY is not set: {row.label} needs an API key",
        )


def _ratio_value(shape: str) -> float:
    width, height = re.split(r"[:x]", shape)
    return float(width) / float(height)


def nearest_ratio(wanted: str, allowed: Sequence[str]) -> str:
    """The entry of ``allowed`` (``"W:H"`` ratios or ``"WxH"`` sizes) whose aspect is closest,
    in log scale, to ``wanted`` (``"W:H"``); ``wanted`` itself when it is allowed; on a tie the
    earlier entry wins. The one place a provider's nearest supported ratio is chosen."""
    if wanted in allowed:
        return wanted
    target = math.log(_ratio_value(wanted))
    return min(allowed, key=lambda shape: abs(math.log(_ratio_value(shape)) - target))


def size_for_ratio(ratio: str, pixels: int = 1024 * 1024, multiple: int = 64) -> tuple[int, int]:
    """(width, height) of about ``pixels`` pixels in ``ratio``, both multiples of ``multiple``:
    for providers that take a size rather than a ratio (``16:9`` -> ``(1344, 768)``)."""
    aspect = _ratio_value(ratio)
    width = max(multiple, round(math.sqrt(pixels * aspect) / multiple) * multiple)
    height = max(multiple, round(math.sqrt(pixels / aspect) / multiple) * multiple)
    return width, height


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


_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
MAX_IMAGE_SIDE = 16384
"""Larger than any provider draws; a header claiming more is not an image we serve."""


def image_media_type(data: bytes) -> str | None:
    """The media type the leading bytes name (PNG, JPEG, GIF, WebP), or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((media for magic, media in _SIGNATURES if data.startswith(magic)), None)


def image_result(data: bytes) -> GeneratedImage:
    """Check that ``data`` is a whole image of a served format and name its media type.

    Cheap on purpose: a job checks 20 images of about 1 MB at once, under one GIL. The magic
    bytes name the format; Pillow reads only the header (its dimensions must be sane); a PNG
    must end with its IEND chunk and a JPEG with its end-of-image marker, which catches a
    truncated download. Nothing is decompressed and no checksum is computed: the pixels go to
    the browser as they came, and a full decode (hundreds of ms for 1 MB) checks nothing the
    user would not see anyway."""
    from PIL import Image, UnidentifiedImageError  # Pillow is imported only where images are

    media_type = image_media_type(data)
    if media_type is None:
        raise ProviderError(ErrorKind.BAD_RESPONSE, "the provider returned no valid image")
    try:
        with Image.open(io.BytesIO(data)) as img:  # the header only
            width, height = img.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ProviderError(ErrorKind.BAD_RESPONSE, "the provider returned no valid image") from exc
    whole = {
        "image/png": data.endswith(b"IEND\xaeB`\x82"),
        "image/jpeg": data.rstrip(b"\x00").endswith(b"\xff\xd9"),
    }.get(media_type, True)
    if not (0 < width <= MAX_IMAGE_SIDE and 0 < height <= MAX_IMAGE_SIDE) or not whole:
        raise ProviderError(ErrorKind.BAD_RESPONSE, "the provider returned a damaged image")
    return GeneratedImage(data, media_type)


def download_image(
    session: requests.Session | None,
    url: str,
    deadline: Deadline,
    headers: dict[str, str] | None = None,
) -> GeneratedImage:
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


def guard[**P, R](
    handler: Callable[Concatenate[ModelConfig, P], R],
) -> Callable[Concatenate[ModelConfig, P], R]:
    """Wrap an image or text handler: check the key, then let only a key-free ``ProviderError``
    out. The original exception is not chained (``from None``): a logged traceback of the
    cause could still quote the key."""

    @functools.wraps(handler)
    def guarded(model: ModelConfig, *args: P.args, **kwargs: P.kwargs) -> R:
        require_key(model)
        try:
            return handler(model, *args, **kwargs)
        except ProviderError as exc:
            error = ProviderError(exc.kind, redact(exc.message, model.key))
        except Exception as exc:
            error = ProviderError(
                _exception_kind(exc), redact(f"{type(exc).__name__}: {exc}", model.key)
            )
            log.warning("model %s (%s) failed: %s", model.index, model.provider, error.message)
        raise error from None

    return guarded


CLIENT_CACHE_SIZE = 16
"""Clients kept per SDK; ``size_client_caches`` raises it to the configured models' count."""
_cache_size = CLIENT_CACHE_SIZE
_client_caches: list[dict[tuple[Any, ...], Any]] = []


def size_client_caches(models: int) -> None:
    """Keep at least one client per configured model (20 models may use 20 endpoints): a
    cache smaller than the deployment's distinct endpoints would rebuild clients every job."""
    global _cache_size
    _cache_size = max(CLIENT_CACHE_SIZE, models)


def shared_client[T](factory: Callable[..., T]) -> Callable[..., T]:
    """Keep one SDK client per set of arguments for the container's life.

    Creating a client loads TLS certificates and botocore/httpx set-up (30-60 ms); reusing one
    also keeps provider connections open between calls. Each client is created once even when
    a job's threads ask at the same moment (a losing duplicate would be garbage-collected, and
    google-genai closes its HTTP client when that happens), but clients for different
    arguments are created concurrently: each key has its own creation lock, and the cache's
    lock is held only to look up and store. Callers hold the client in a variable for the
    whole call, so evicting it from the cache never closes it mid-request.
    """
    clients: dict[tuple[Any, ...], T] = {}
    creating: dict[tuple[Any, ...], threading.Lock] = {}
    _client_caches.append(clients)
    lock = threading.Lock()

    @functools.wraps(factory)
    def get(*args: Any) -> T:
        with lock:
            client = clients.get(args)
            if client is not None:
                return client
            key_lock = creating.setdefault(args, threading.Lock())
        with key_lock:
            with lock:
                client = clients.get(args)
            if client is None:
                client = factory(*args)  # outside the cache lock: other keys go on
                with lock:
                    while len(clients) >= _cache_size:
                        clients.pop(next(iter(clients)))
                    clients[args] = client
                    creating.pop(args, None)
        return client

    return get


def forget_shared_clients() -> None:
    """Drop every cached client. For tests: a fake server's port can be reused by the next
    test's server, and a cached client would reuse a kept-alive connection to the old one."""
    for clients in _client_caches:
        clients.clear()


_TAGS = re.compile(r"<[^>]+>")
_DETAIL_FIELDS = ("errors", "detail", "message", "error", "details")


def error_detail(payload: Any) -> str:
    """A provider's own words from a parsed error body, or '' when it has none.

    Reads every documented shape: a string (HTML tags dropped), Stability's ``{"errors":
    [...]}``, FastAPI's ``{"detail": str | [{"msg"}]}`` (BFL), OpenAI's unwrapped ``{"message"}``
    and ``{"error"}``. Not cut to length: ``redact`` cuts, after removing the key.
    """
    if isinstance(payload, str):
        return " ".join(_TAGS.sub(" ", payload).split())
    if isinstance(payload, list):
        parts = [
            error_detail(item.get("msg") if isinstance(item, dict) else item) for item in payload
        ]
        return "; ".join(part for part in parts if part)
    if isinstance(payload, dict):
        for name in _DETAIL_FIELDS:
            text = error_detail(payload.get(name))
            if text:
                return text
    return ""
