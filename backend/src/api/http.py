"""API Gateway events in, API Gateway responses out: the HTTP edge, free of business logic.

Accepts HTTP API payload 2.0 events and REST API / payload 1.0 events alike. CORS headers are
not added here: API Gateway's ``CorsConfiguration`` owns them when deployed (it answers
preflight requests itself and ignores CORS headers from the function), the local server
owns them locally.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from api.errors import InvalidRequest, PayloadTooLarge

MAX_BODY_BYTES = 64 * 1024  # a prompt is at most 1,000 characters; nothing needs more
MAX_JSON_DEPTH = 32


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    source_ip: str = ""

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object, or a 400 saying what is wrong with it: not JSON, nested
        deeper than ``MAX_JSON_DEPTH``, or holding a lone surrogate (``"\\ud800"``), which
        is valid JSON text but no valid Unicode string, and would fail when stored."""
        if not self.body.strip():
            raise InvalidRequest("request body must be a JSON object", "INVALID_JSON")
        try:
            value = json.loads(self.body)
        except RecursionError as exc:
            raise InvalidRequest("request body is nested too deeply", "INVALID_JSON") from exc
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidRequest("request body is not valid JSON", "INVALID_JSON") from exc
        _check_json(value)
        if not isinstance(value, dict):
            raise InvalidRequest("request body must be a JSON object", "INVALID_REQUEST")
        return value


def _check_json(value: Any) -> None:
    """Walk a parsed document (iteratively): depth and strings that UTF-8 can carry."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise InvalidRequest("request body is nested too deeply", "INVALID_JSON")
        if isinstance(item, str):
            strings: list[Any] = [item]
        elif isinstance(item, dict):
            strings = list(item)
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            strings = []
            pending.extend((child, depth + 1) for child in item)
        else:
            continue
        for text in strings:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise InvalidRequest(
                    "request body holds an unpaired surrogate, which is not valid Unicode",
                    "INVALID_JSON",
                ) from exc


def request_from_event(event: dict[str, Any]) -> Request:
    """Normalise a payload 2.0 or 1.0 event; strips a stage prefix from the path."""
    context = event.get("requestContext") or {}
    if "http" in context:  # payload 2.0
        method = context["http"].get("method", "GET")
        path = event.get("rawPath") or context["http"].get("path") or "/"
        source_ip = context["http"].get("sourceIp", "")
        query = dict(event.get("queryStringParameters") or {})
    else:  # REST API / payload 1.0
        method = event.get("httpMethod", "GET")
        path = event.get("path") or "/"
        source_ip = (context.get("identity") or {}).get("sourceIp", "")
        query = dict(event.get("queryStringParameters") or {})
    stage = context.get("stage")
    if stage and stage != "$default" and (path == f"/{stage}" or path.startswith(f"/{stage}/")):
        path = path[len(stage) + 1 :] or "/"
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidRequest("request body is not valid base64", "INVALID_REQUEST") from exc
    else:
        body = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"request body is over {MAX_BODY_BYTES // 1024} KB")
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    return Request(
        method=method.upper(),
        path=path.rstrip("/") or "/",
        body=body,
        headers=headers,
        query={str(k): str(v) for k, v in query.items()},
        source_ip=source_ip,
    )


@dataclass(frozen=True)
class Response:
    """What a route answers: a status, a JSON body (None for no body) and extra headers."""

    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def with_header(self, name: str, value: str) -> Response:
        return Response(self.status, self.body, {**self.headers, name: value})

    def to_event(self) -> dict[str, Any]:
        """The API Gateway (Lambda proxy) response."""
        if self.body is None:
            return {"statusCode": self.status, "headers": dict(self.headers), "body": ""}
        return {
            "statusCode": self.status,
            "headers": {"Content-Type": "application/json", **self.headers},
            "body": json.dumps(self.body, ensure_ascii=False),
        }
