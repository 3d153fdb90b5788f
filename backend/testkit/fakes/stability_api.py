"""A fake of Stability AI's Stable Image v2beta generate endpoints, on ``FakeServer``.

It checks what the real service checks first (bearer key, multipart body with a prompt) and
answers with the documented shapes: raw image bytes plus ``finish-reason``/``seed`` headers,
or JSON errors ``{"id", "name", "errors": [str]}``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from functools import partial

from testkit.fakes.server import FakeServer, Reply, Request, png_bytes

GENERATE_PREFIX = "/v2beta/stable-image/generate/"
ENDPOINTS = ("sd3", "core", "ultra")


def error(status: int, name: str, message: str) -> Reply:
    """A Stability error body."""
    return Reply.json({"id": uuid.uuid4().hex, "name": name, "errors": [message]}, status)


BAD_KEY = partial(error, 401, "unauthorized", "authorization: invalid or missing header value")
NO_CREDITS = partial(
    error, 402, "payment_required", "You lack sufficient credits to make this request."
)
MODERATED = partial(
    error,
    403,
    "content_moderation",
    "Your request was flagged by our content moderation system, as a result your request "
    "was denied and you were not charged.",
)
FORBIDDEN = partial(error, 403, "forbidden", "This key may not use this endpoint.")
RATE_LIMITED = partial(
    error,
    429,
    "rate_limit_exceeded",
    "You have exceeded the rate limit of 150 requests within a 10 second period, and have "
    "been timed out for 60 seconds.",
)
SERVER_ERROR = partial(
    error, 500, "internal_error", "An unexpected server error has occurred, please try again later."
)


def image(finish_reason: str = "SUCCESS", body: bytes | None = None) -> Reply:
    """A successful answer with ``accept: image/*``."""
    return Reply(
        200,
        png_bytes() if body is None else body,
        {
            "Content-Type": "image/png",
            "finish-reason": finish_reason,
            "seed": "3190427001",
            "x-request-id": uuid.uuid4().hex,
        },
    )


def form_fields(request: Request) -> dict[str, str]:
    """The text fields of a multipart/form-data request body (file parts excluded)."""
    head = f"Content-Type: {request.header('content-type')}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    fields = {}
    for part in message.iter_parts():
        if part.get_filename() is None:
            fields[part.get_param("name", header="content-disposition")] = part.get_content()
    return fields


def install(server: FakeServer, reply: Callable[[], Reply] = image) -> None:
    """Serve the generate endpoints; valid requests get ``reply()``."""

    def generate(request: Request) -> Reply:
        endpoint = request.path.removeprefix(GENERATE_PREFIX)
        if endpoint not in ENDPOINTS:
            return error(404, "not_found", f"{request.path} does not exist")
        if not (request.header("authorization") or "").startswith("Bearer "):
            return BAD_KEY()
        if not (request.header("content-type") or "").startswith("multipart/form-data"):
            return error(400, "bad_request", "content-type: must be multipart/form-data")
        if not form_fields(request).get("prompt"):
            return error(400, "bad_request", "prompt: cannot be empty")
        return reply()

    server.route("POST", GENERATE_PREFIX, generate)
