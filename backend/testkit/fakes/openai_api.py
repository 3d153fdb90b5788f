"""A fake OpenAI-compatible API (OpenAI, Recraft, and generic /v1 endpoints) for handler tests.

It scripts the documented wire protocol, so the real ``openai`` SDK can talk to it:

- ``POST /v1/images/generations`` -> ``{"created": ..., "data": [{"b64_json": ...}]}`` (the GPT
  image models always answer in base64) or ``{"created": ..., "data": [{"url": ...}]}`` (Recraft,
  and most compatible servers), the URL pointing at ``GET /files/<name>`` on this server.
- ``POST /v1/chat/completions`` -> a ``chat.completion`` object.
- ``POST /v1/moderations`` -> ``{"id", "model", "results": [{"flagged", "categories",
  "category_scores", "category_applied_input_types"}]}`` for ``omni-moderation-latest``
  (https://platform.openai.com/docs/api-reference/moderations/object).
- Errors: ``{"error": {"message", "type", "param", "code"}}`` with the HTTP status, exactly the
  shape of OpenAI's error bodies (see https://platform.openai.com/docs/guides/error-codes).
  Recraft answers a bad token with a ``text/plain`` body ``request unauthorized``
  (https://www.recraft.ai/docs/api-reference/error-handling).

Usage: ``api = FakeOpenAI(fake_server)``; script a reply with ``api.images = <Reply>`` or one of
the helpers (``api.image_error(...)``), then inspect ``fake_server.requests``.
"""

from __future__ import annotations

import base64
import time

from testkit.fakes.server import FakeServer, Reply, Request, png_bytes

IMAGES_PATH = "/v1/images/generations"
CHAT_PATH = "/v1/chat/completions"
MODERATIONS_PATH = "/v1/moderations"
# The categories omni-moderation-latest scores, with the input types each applies to.
MODERATION_CATEGORIES = {
    "harassment": ["text"],
    "harassment/threatening": ["text"],
    "hate": ["text"],
    "hate/threatening": ["text"],
    "illicit": ["text"],
    "illicit/violent": ["text"],
    "self-harm": ["text", "image"],
    "self-harm/intent": ["text", "image"],
    "self-harm/instructions": ["text", "image"],
    "sexual": ["text", "image"],
    "sexual/minors": ["text"],
    "violence": ["text", "image"],
    "violence/graphic": ["text", "image"],
}
FILES_PATH = "/files/"

# Error bodies as OpenAI sends them (message, type, code); param is null in all of these.
UNAUTHORIZED = (
    401,
    "Incorrect API key provided: {key_hint}. You can find your API key at "
    "https://platform.openai.com/account/api-keys.",
    "invalid_request_error",
    "invalid_api_key",
)
RATE_LIMITED = (
    429,
    "Rate limit reached for images per minute (IPM): Limit 5, Used 5, Requested 1. "
    "Please try again in 12s.",
    "requests",
    "rate_limit_exceeded",
)
MODERATION_BLOCKED = (
    400,
    "Your request was rejected by the safety system. If you believe this is an error, "
    "contact us at help.openai.com and include the request ID req_123. "
    "safety_violations=[violence].",
    "image_generation_user_error",
    "moderation_blocked",
)
SERVER_ERROR = (
    500,
    "The server had an error while processing your request. Sorry about that!",
    "server_error",
    None,
)
MODEL_NOT_FOUND = (
    404,
    "The model `gpt-image-9` does not exist or you do not have access to it.",
    "invalid_request_error",
    "model_not_found",
)


def error_reply(status: int, message: str, type_: str, code: str | None) -> Reply:
    return Reply.json(
        {"error": {"message": message, "type": type_, "param": None, "code": code}},
        status=status,
    )


class FakeOpenAI:
    """Routes on a ``FakeServer``; each reply is an attribute a test may replace."""

    def __init__(self, server: FakeServer, *, image: bytes | None = None) -> None:
        self.server = server
        self.image = image if image is not None else png_bytes()
        self.images: Reply = self.b64_reply()
        self.chat: Reply = self.chat_reply("A watercolor fox in morning mist, soft light.")
        self.file: Reply = Reply(200, self.image, {"Content-Type": "image/png"})
        self.moderation: Reply = self.moderation_reply()
        server.route("POST", IMAGES_PATH, lambda _request: self.images)
        server.route("POST", CHAT_PATH, lambda _request: self.chat)
        server.route("POST", MODERATIONS_PATH, lambda _request: self.moderation)
        server.route("GET", FILES_PATH, lambda _request: self.file)

    # -- successful replies -------------------------------------------------------------------

    def b64_reply(self, image: bytes | None = None) -> Reply:
        payload = base64.b64encode(self.image if image is None else image).decode()
        return Reply.json(
            {
                "created": int(time.time()),
                "data": [{"b64_json": payload}],
                "background": "opaque",
                "output_format": "png",
                "quality": "medium",
                "size": "1024x1024",
                "usage": {"input_tokens": 12, "output_tokens": 1056, "total_tokens": 1068},
            }
        )

    def url_reply(self, name: str = "x.png") -> Reply:
        return Reply.json(
            {
                "created": int(time.time()),
                "data": [{"url": f"{self.server.url}{FILES_PATH}{name}"}],
            }
        )

    @staticmethod
    def chat_reply(content: str | None, finish_reason: str = "stop") -> Reply:
        return Reply.json(
            {
                "id": "chatcmpl-123",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": "gpt-6-luna",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content, "refusal": None},
                        "finish_reason": finish_reason,
                        "logprobs": None,
                    }
                ],
                "usage": {"prompt_tokens": 20, "completion_tokens": 12, "total_tokens": 32},
            }
        )

    @staticmethod
    def moderation_reply(*flagged: str, model: str = "omni-moderation-latest") -> Reply:
        """A moderation result flagging the given categories (none: the prompt is fine)."""
        unknown = set(flagged) - set(MODERATION_CATEGORIES)
        if unknown:
            raise ValueError(f"not a moderation category: {sorted(unknown)}")
        return Reply.json(
            {
                "id": "modr-0d9740456c391e43c445bf0f010940c7",
                "model": model,
                "results": [
                    {
                        "flagged": bool(flagged),
                        "categories": {c: c in flagged for c in MODERATION_CATEGORIES},
                        "category_scores": {
                            c: 0.97 if c in flagged else 1.2e-6 for c in MODERATION_CATEGORIES
                        },
                        "category_applied_input_types": dict(MODERATION_CATEGORIES),
                    }
                ],
            }
        )

    # -- requests the handler sent ------------------------------------------------------------

    def sent(self, path: str) -> list[Request]:
        return [r for r in self.server.requests if r.path == path]
