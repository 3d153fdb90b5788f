"""What the two Google providers share: the Gemini Developer API endpoint, key and error mapping.

Both ``google_gemini`` (``:generateContent``) and ``google_imagen`` (``:predict``) talk to
``https://generativelanguage.googleapis.com/v1beta/models/{model}:{method}`` with the key in the
``x-goog-api-key`` header. ``model.base_url`` overrides the host with the meaning of the
google-genai SDK's ``HttpOptions.base_url``: the root that ``/v1beta/...`` is appended to.

Errors come back as ``{"error": {"code", "message", "status", "details"}}`` (the gRPC status
format). Mapping, from Google's error table and observed bodies:

- ``401``/``403``, ``UNAUTHENTICATED``/``PERMISSION_DENIED`` and a ``400 INVALID_ARGUMENT``
  whose ``ErrorInfo.reason`` is ``API_KEY_INVALID`` (what a wrong key really returns) -> auth.
  That 400 body also carries a ``DebugInfo`` detail echoing the key, so only ``message`` is kept.
- ``429 RESOURCE_EXHAUSTED`` -> rate_limited.
- a ``400`` whose message speaks of safety / Responsible AI (Imagen's refused prompts) ->
  content_blocked.
- ``404 NOT_FOUND`` (an unknown or retired model id) -> configuration.
- anything else by ``common.kind_for_status`` (5xx provider_error, 504 timeout).

Sources: https://ai.google.dev/api (x-goog-api-key, v1beta),
https://ai.google.dev/gemini-api/docs/generate-content/api-errors (status table),
https://github.com/continuedev/continue/issues/8516 and
https://github.com/google/timesketch/pull/3703 (the API_KEY_INVALID body, with DebugInfo),
google-genai 3.3.0 source (``_api_client.py``: HttpOptions.timeout is in milliseconds and
applies to each connect/read; no ``retry_options`` or ``attempts=1`` means a single attempt;
``errors.APIError`` carries ``code``, ``status``, ``message`` and the raw body as ``details``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from models.handlers.common import kind_for_status, shared_client
from models.providers import row_for
from models.types import ErrorKind, ModelConfig, ProviderError

if TYPE_CHECKING:
    from google import genai
    from google.genai import types

API_VERSION = "v1beta"
"""The version Google documents image generation (generateContent and Imagen :predict) under."""

_AUTH_REASONS = frozenset(
    {"API_KEY_INVALID", "API_KEY_SERVICE_BLOCKED", "API_KEY_HTTP_REFERRER_BLOCKED"}
)
_AUTH_STATUSES = frozenset({"UNAUTHENTICATED", "PERMISSION_DENIED"})
_SAFETY_WORDS = ("safety", "responsible ai", "sensitive words", "usage guidelines", "prohibited")


def base_url(model: ModelConfig) -> str:
    """The API root for ``model`` without a trailing slash."""
    return (model.base_url or row_for(model.provider).default_base_url or "").rstrip("/")


def api_error(code: int, body: Any, model_id: str = "") -> ProviderError:
    """A ``ProviderError`` for a Google error reply (``body`` is the parsed JSON, or anything)."""
    error = body.get("error", body) if isinstance(body, dict) else {}
    if not isinstance(error, dict):
        error = {}
    status = str(error.get("status") or "")
    message = str(error.get("message") or "").strip()
    raw_details = error.get("details")
    details = raw_details if isinstance(raw_details, list) else []
    reasons = {str(d.get("reason")) for d in details if isinstance(d, dict) and d.get("reason")}
    lowered = message.lower()

    if code in (401, 403) or status in _AUTH_STATUSES or reasons & _AUTH_REASONS:
        kind = ErrorKind.AUTH
    elif code == 429 or status == "RESOURCE_EXHAUSTED":
        kind = ErrorKind.RATE_LIMITED
    elif code == 400 and any(word in lowered for word in _SAFETY_WORDS):
        kind = ErrorKind.CONTENT_BLOCKED
    elif code == 404 or status == "NOT_FOUND":
        kind = ErrorKind.CONFIGURATION
        message = f"model {model_id!r} was not found (unknown or retired id): {message}"
    else:
        kind = kind_for_status(code)
    label = f"HTTP {code}" + (f" {status}" if status else "")
    return ProviderError(kind, f"Google API {label}: {message or 'no message'}")


def translate(exc: Exception, model_id: str = "") -> ProviderError:
    """Map an exception from the google-genai SDK, httpx(2) or requests to a ``ProviderError``."""
    if isinstance(exc, ProviderError):
        return exc
    errors = sys.modules.get("google.genai.errors")  # loaded only if the SDK made the call
    if errors is not None and isinstance(exc, errors.APIError):
        return api_error(exc.code or 0, exc.details, model_id)
    names = {cls.__name__ for cls in type(exc).__mro__}
    if isinstance(exc, TimeoutError) or names & {"TimeoutException", "Timeout"}:
        return ProviderError(ErrorKind.TIMEOUT, "the provider did not answer in time")
    if isinstance(exc, ConnectionError) or names & {"TransportError", "RequestException"}:
        return ProviderError(
            ErrorKind.PROVIDER_ERROR, f"could not reach the provider ({type(exc).__name__})"
        )
    if isinstance(exc, ValueError):  # pydantic ValidationError, JSONDecodeError, bad base64
        return ProviderError(ErrorKind.BAD_RESPONSE, "the provider's response could not be read")
    return ProviderError(ErrorKind.PROVIDER_ERROR, f"{type(exc).__name__}: {exc}")


def call[T](model: ModelConfig, fn: Callable[[], T]) -> T:
    """Run one provider call, raising only a ``ProviderError`` on failure (the guard around
    every handler removes the key from its message)."""
    try:
        return fn()
    except Exception as exc:
        raise translate(exc, model.model_id) from None


def client(model: ModelConfig) -> genai.Client:
    """The google-genai client for this model's key and endpoint (one attempt per call)."""
    return _client(model.key.strip(), base_url(model))


def request_options(timeout: float) -> types.HttpOptions:
    """Per-call HTTP options: ``timeout`` seconds (the SDK takes milliseconds, per connect and
    per read), merged over the client's options by the SDK (``patch_http_options``)."""
    from google.genai import types

    return types.HttpOptions(timeout=max(1, int(timeout * 1000)))


@shared_client
def _client(key: str, root: str) -> genai.Client:
    """The client for one key and endpoint (see ``shared_client``); timeouts are per call."""
    from google import genai
    from google.genai import types

    return genai.Client(
        api_key=key,
        vertexai=False,
        http_options=types.HttpOptions(
            base_url=root,
            api_version=API_VERSION,
            retry_options=types.HttpRetryOptions(attempts=1),
        ),
    )
