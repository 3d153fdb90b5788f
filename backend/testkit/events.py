"""Builders for API Gateway events, in both payload formats."""

from __future__ import annotations

import base64
import json
from typing import Any


def http_event(
    method: str,
    path: str,
    body: Any = None,
    *,
    ip: str = "203.0.113.7",
    query: dict[str, str] | None = None,
    version: str = "2.0",
    stage: str = "$default",
    raw_body: str | None = None,
    base64_body: bool = False,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    if base64_body and text is not None:
        text = base64.b64encode(text.encode()).decode()
    if version == "2.0":
        return {
            "version": "2.0",
            "rawPath": path if stage == "$default" else f"/{stage}{path}",
            "queryStringParameters": query,
            "headers": {"content-type": "application/json", **(headers or {})},
            "body": text,
            "isBase64Encoded": base64_body,
            "requestContext": {
                "stage": stage,
                "http": {"method": method, "path": path, "sourceIp": ip},
            },
        }
    return {
        "version": "1.0",
        "httpMethod": method,
        "path": path,
        "queryStringParameters": query,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": text,
        "isBase64Encoded": base64_body,
        "requestContext": {"stage": stage, "identity": {"sourceIp": ip}},
    }
