"""A fake Gemini Developer API (generativelanguage.googleapis.com) for the Google handlers.

It serves ``POST /v1beta/models/{model}:generateContent`` and ``.../{model}:predict`` with the
documented JSON shapes, checks the ``x-goog-api-key`` header the way Google does (a
wrong key is a ``400 INVALID_ARGUMENT`` with ``ErrorInfo.reason = API_KEY_INVALID`` and a
``DebugInfo`` that echoes the key), and answers unknown models with ``404 NOT_FOUND``. Tests set
``fake.generate`` / ``fake.predict`` to a ``Reply`` (or a function of the request) to script the
next answers; the helpers below build the replies Google sends.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from testkit.fakes.server import FakeServer, Reply, Request, png_bytes

VALID_KEY = "AIzaSyFAKE-gemini-test-key-0123456789ab"
PREFIX = "/v1beta/models/"

Scripted = Reply | Callable[[Request], Reply]


def error(code: int, status: str, message: str, details: list | None = None) -> Reply:
    """Google's gRPC-style error body."""
    body = {"code": code, "message": message, "status": status}
    if details is not None:
        body["details"] = details
    return Reply.json({"error": body}, status=code)


def api_key_invalid(sent_key: str | None) -> Reply:
    message = "API key not valid. Please pass a valid API key."
    return error(
        400,
        "INVALID_ARGUMENT",
        message,
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            },
            {
                "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                "locale": "en-US",
                "message": message,
            },
            {
                "@type": "type.googleapis.com/google.rpc.DebugInfo",
                "detail": f"Invalid API key: {sent_key}",
            },
        ],
    )


def permission_denied() -> Reply:
    return error(
        403,
        "PERMISSION_DENIED",
        "Your API key was reported as leaked. Please use another API key.",
    )


def rate_limited() -> Reply:
    return error(
        429,
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota, please check your plan and billing details.",
        [
            {
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [
                    {
                        "quotaMetric": "generativelanguage.googleapis.com/generate_requests",
                        "quotaId": "GenerateRequestsPerMinutePerProjectPerModel",
                    }
                ],
            },
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "23s"},
        ],
    )


def internal_error() -> Reply:
    return error(500, "INTERNAL", "An internal error has occurred. Please retry.")


def unavailable() -> Reply:
    return error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")


def not_found(model: str, method: str) -> Reply:
    return error(
        404,
        "NOT_FOUND",
        f"models/{model} is not found for API version v1beta, or is not supported for {method}.",
    )


def _usage(image_tokens: int = 0) -> dict:
    return {
        "promptTokenCount": 9,
        "candidatesTokenCount": image_tokens or 12,
        "totalTokenCount": 9 + (image_tokens or 12),
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 9}],
    }


def content(parts: list[dict], finish_reason: str = "STOP", model: str = "") -> Reply:
    """A ``GenerateContentResponse`` with one candidate holding ``parts``."""
    candidate = {"content": {"role": "model", "parts": parts}, "finishReason": finish_reason}
    return Reply.json(
        {
            "candidates": [{**candidate, "index": 0}],
            "usageMetadata": _usage(1290),
            "modelVersion": model or "gemini-2.5-flash-image",
            "responseId": "fake-response-id",
        }
    )


def image_part(data: bytes, mime_type: str = "image/png", thought: bool = False) -> dict:
    part = {"inlineData": {"mimeType": mime_type, "data": base64.b64encode(data).decode()}}
    return {**part, "thought": True} if thought else part


def image_content(data: bytes | None = None, mime_type: str = "image/png") -> Reply:
    """What gemini-*-image answers: a short text part and the image."""
    return content(
        [{"text": "Here is the image you asked for."}, image_part(data or png_bytes(), mime_type)]
    )


def text_content(text: str) -> Reply:
    return content([{"text": text}], model="gemini-flash-latest")


def prompt_blocked(reason: str = "PROHIBITED_CONTENT") -> Reply:
    """The prompt itself was refused: no candidates, only ``promptFeedback``."""
    return Reply.json(
        {
            "promptFeedback": {"blockReason": reason},
            "usageMetadata": _usage(),
            "modelVersion": "gemini-2.5-flash-image",
            "responseId": "fake-response-id",
        }
    )


def candidate_blocked(reason: str = "IMAGE_SAFETY") -> Reply:
    """The answer was withheld: a candidate with a safety finish reason and no content parts."""
    return Reply.json(
        {
            "candidates": [{"finishReason": reason, "index": 0}],
            "usageMetadata": _usage(),
            "modelVersion": "gemini-2.5-flash-image",
            "responseId": "fake-response-id",
        }
    )


def predictions(*items: dict) -> Reply:
    """An Imagen ``:predict`` answer."""
    return Reply.json({"predictions": list(items)})


def imagen_image(data: bytes | None = None, mime_type: str = "image/png") -> dict:
    return {
        "mimeType": mime_type,
        "bytesBase64Encoded": base64.b64encode(data or png_bytes()).decode(),
    }


def imagen_filtered(reason: str | None = None) -> dict:
    return {
        "raiFilteredReason": reason
        or "Unable to show generated images. All images were filtered out because they violated"
        " Vertex AI's usage guidelines. You will not be charged for blocked images. Try"
        " rephrasing the prompt. Support codes: 39322892"
    }


def imagen_prompt_refused() -> Reply:
    return error(
        400,
        "INVALID_ARGUMENT",
        "Image generation failed with the following error: The prompt could not be submitted."
        " This prompt contains sensitive words that violate Google's Responsible AI practices."
        " Try rephrasing the prompt. Support codes: 42876398",
    )


class FakeGoogle:
    """Routes ``/v1beta/models/`` on a ``FakeServer``; ``models`` limits which ids exist."""

    def __init__(
        self, server: FakeServer, key: str = VALID_KEY, models: set[str] | None = None
    ) -> None:
        self.server = server
        self.key = key
        self.models = models
        self.generate: Scripted = image_content()
        self.predict: Scripted = predictions(imagen_image())
        server.route("POST", PREFIX, self._serve)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def calls(self) -> list[Request]:
        return [r for r in self.server.requests if r.path.startswith(PREFIX)]

    def _serve(self, request: Request) -> Reply:
        model, _, method = request.path.removeprefix(PREFIX).partition(":")
        sent_key = request.header("x-goog-api-key")
        if sent_key != self.key:
            return api_key_invalid(sent_key)
        if self.models is not None and model not in self.models:
            return not_found(model, method)
        scripted = {"generateContent": self.generate, "predict": self.predict}.get(method)
        if scripted is None:
            return not_found(model, method)
        return scripted(request) if callable(scripted) else scripted
