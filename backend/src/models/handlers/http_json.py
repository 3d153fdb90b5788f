"""HTTP helpers for the providers called with plain ``requests`` (Stability AI, BFL).

``send`` makes one call inside the model's ``Deadline`` and turns transport failures into
typed errors; ``check`` turns an HTTP error response into a ``ProviderError`` whose message
quotes the provider's own explanation (``common.error_detail``).
"""

from __future__ import annotations

from typing import Any, TypeGuard

import requests

from models.handlers.common import Deadline, error_detail, http_timeout, kind_for_status
from models.types import ErrorKind, ProviderError


def send(
    session: requests.Session, method: str, url: str, deadline: Deadline, **kwargs: Any
) -> requests.Response:
    """One request whose connect and read timeouts fit in what is left of the budget."""
    timeout = http_timeout(deadline.remaining())
    try:
        return session.request(method, url, timeout=timeout, **kwargs)
    except requests.Timeout as exc:
        raise ProviderError(ErrorKind.TIMEOUT, "the provider did not answer in time") from exc
    except requests.ConnectionError as exc:
        raise ProviderError(ErrorKind.PROVIDER_ERROR, "could not reach the provider") from exc


def json_or_none(response: requests.Response) -> Any:
    """The parsed JSON body, or None when the body is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def check(
    response: requests.Response, provider: str, kind: ErrorKind | None = None
) -> requests.Response:
    """Return a 2xx response; raise a typed ``ProviderError`` for anything else.

    ``kind`` overrides the status-derived kind once the caller has recognised the body
    (e.g. a 403 that is a moderation refusal). 402 (no credits left) stays a provider
    error: the key is valid and waiting will not help, but it is not an auth failure.
    """
    status = response.status_code
    if status < 400:
        return response
    detail = error_detail(json_or_none(response)) or response.reason or ""
    what = "has no credits left" if status == 402 else "refused the request"
    message = f"{provider} {what} (HTTP {status})" + (f": {detail}" if detail else "")
    raise ProviderError(kind or kind_for_status(status), message)


def json_object(response: requests.Response, provider: str) -> dict[str, Any]:
    """The JSON object a successful response carries, else a ``bad_response`` error."""
    body = json_or_none(check(response, provider))
    if not isinstance(body, dict):
        raise ProviderError(ErrorKind.BAD_RESPONSE, f"{provider} returned an unreadable answer")
    return body


def is_http_url(value: object) -> TypeGuard[str]:
    """Whether a provider-supplied value is an absolute http(s) URL we may request."""
    return isinstance(value, str) and value.startswith(("https://", "http://"))
