"""Shared plumbing for OpenAI-compatible APIs: OpenAI itself, Recraft, and any ``/v1`` server.

One image call is ``POST {base_url}/images/generations`` through the official ``openai`` SDK
(imported inside the functions: it costs a second of cold start). The answer is
``{"data": [{"b64_json": ...}]}`` (the GPT image models always answer in base64) or
``{"data": [{"url": ...}]}`` (Recraft and most compatible servers), which is downloaded with the
size cap of ``common.download_image``. Text calls are ``POST {base_url}/chat/completions``.

Errors arrive as ``{"error": {"message", "type", "param", "code"}}`` with an HTTP status and are
raised by the SDK as typed exceptions; ``translate_errors`` maps them to ``ErrorKind``:
401/403 auth, 429 rate_limited, a moderation refusal (code ``moderation_blocked`` for the GPT
image models, ``content_policy_violation`` for the retired DALL-E models, ``invalid_prompt`` for
chat, ``data_inspection_failed`` for Qwen's compatible mode) content_blocked, 404 or
``model_not_found`` configuration, timeouts timeout, 5xx provider_error, unparseable bodies
bad_response. The SDK never retries here (``max_retries=0``): one image call may take most of
the model's budget, so a retry could not finish inside it.

Sources (checked 2026-11-26):
- openai-python 3.51.0 ``resources/images.py`` and ``_exceptions.py`` (parameters, exception
  classes and how the error body's ``code`` is exposed).
- OpenAI error codes guide, https://platform.openai.com/docs/guides/error-codes.
- The ``moderation_blocked`` body of a refused GPT image prompt, quoted in
  https://github.com/jeffstric/ZJT/issues/480; ``invalid_prompt`` for chat in
  https://github.com/BeehiveInnovations/pal-mcp-server/issues/178; Qwen's
  ``DataInspectionFailed`` in https://github.com/QwenLM/qwen-code/issues/3271.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests

from models.handlers.common import (
    Deadline,
    download_image,
    error_detail,
    http_timeout,
    image_result,
    shared_client,
)
from models.handlers.common import kind_for_status as _kind_for_status
from models.providers import row_for
from models.types import ErrorKind, GeneratedImage, GenerationParams, ModelConfig, ProviderError

MAX_RETRIES = 0
"""SDK retries per call: none, so a handler returns inside its budget."""
NO_KEY = "none"
"""Bearer token sent when MODEL_N_KEY is empty (the SDK needs one); the guard has already
refused providers whose row says a key is required."""

_MODERATION_CODES = frozenset(
    {
        "moderation_blocked",
        "content_policy_violation",
        "invalid_prompt",
        "content_filter",
        "data_inspection_failed",
        "datainspectionfailed",
    }
)
_MODERATION_WORDS = re.compile(
    r"(?i)safety system|content (?:policy|filter)|usage polic|inappropriate|nsfw|data inspection"
)


@dataclass(frozen=True)
class Endpoint:
    """Who a handler talks to, from the model's provider row: a label for messages, the key
    to send and the base URL (MODEL_N_BASE_URL, else the row's default)."""

    label: str
    key: str
    base_url: str

    @classmethod
    def of(cls, model: ModelConfig) -> Endpoint:
        row = row_for(model.provider)
        base_url = model.base_url or row.default_base_url
        if not base_url:
            raise ProviderError(
                ErrorKind.CONFIGURATION,
                f"MODEL_{model.index}_BASE_URL is not set: the {model.provider} provider needs an "
                "OpenAI-compatible endpoint",
            )
        return cls(row.label, model.key or NO_KEY, base_url)


def generate_image(
    model: ModelConfig,
    prompt: str,
    params: GenerationParams,
    options: Mapping[str, Any],
) -> GeneratedImage:
    """One ``images.generate`` call, then the image it returned (inline or by URL)."""
    deadline = Deadline(params.timeout)
    endpoint = Endpoint.of(model)
    client = sdk_client(endpoint.key, endpoint.base_url)
    with translate_errors(endpoint.label):
        response = client.images.generate(
            model=model.model_id, prompt=prompt, timeout=sdk_timeout(deadline), **options
        )
    return _image_from(response, endpoint.label, deadline)


def chat(
    model: ModelConfig,
    instruction: str,
    timeout: float,
    *,
    model_id: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> str:
    """The reply text of one ``chat.completions.create`` call."""
    deadline = Deadline(timeout)
    endpoint = Endpoint.of(model)
    client = sdk_client(endpoint.key, endpoint.base_url)
    with translate_errors(endpoint.label):
        completion = client.chat.completions.create(
            model=model_id or model.model_id,
            messages=[{"role": "user", "content": instruction}],
            timeout=sdk_timeout(deadline),
            **(options or {}),
        )
    label = endpoint.label
    choices = getattr(completion, "choices", None)
    if not isinstance(choices, list) or not choices:
        raise ProviderError(ErrorKind.BAD_RESPONSE, f"{label} returned no completion")
    choice = choices[0]
    message = getattr(choice, "message", None)
    if getattr(choice, "finish_reason", None) == "content_filter" or getattr(
        message, "refusal", None
    ):
        raise ProviderError(ErrorKind.CONTENT_BLOCKED, f"{label} declined to rewrite this prompt")
    content = getattr(message, "content", None)
    if not isinstance(content, str) or not content.strip():
        raise ProviderError(ErrorKind.BAD_RESPONSE, f"{label} returned an empty completion")
    return content.strip()


@shared_client
def sdk_client(key: str, base_url: str):
    """The SDK client for one key and endpoint (see ``shared_client``); timeouts are per call."""
    import openai

    return openai.OpenAI(api_key=key, base_url=base_url, max_retries=MAX_RETRIES)


def sdk_timeout(deadline: Deadline):
    """An ``openai.Timeout`` for one call with what is left of the budget."""
    import openai

    connect, read = http_timeout(deadline.remaining())
    return openai.Timeout(read, connect=connect)


@contextmanager
def translate_errors(label: str) -> Iterator[None]:
    """Turn the SDK's exceptions into ``ProviderError`` with a one-line message for a person."""
    import openai

    try:
        yield
    except openai.APITimeoutError as exc:
        raise ProviderError(ErrorKind.TIMEOUT, f"{label} did not answer in time") from exc
    except openai.APIConnectionError as exc:
        cause = type(exc.__cause__).__name__ if exc.__cause__ else "connection error"
        raise ProviderError(ErrorKind.PROVIDER_ERROR, f"could not reach {label} ({cause})") from exc
    except openai.APIStatusError as exc:
        raise status_error(label, exc.status_code, exc.code, exc.body, exc.message) from exc
    except (openai.APIResponseValidationError, json.JSONDecodeError) as exc:
        message = f"{label} answered with malformed JSON"
        raise ProviderError(ErrorKind.BAD_RESPONSE, message) from exc


def status_error(
    label: str, status: int, code: str | None, body: object, fallback: str = ""
) -> ProviderError:
    """The ``ProviderError`` an HTTP error answer means (body already unwrapped from "error")."""
    detail = _detail(body, fallback)
    code = (code or "").lower()
    if code in _MODERATION_CODES or (status in (400, 422) and _MODERATION_WORDS.search(detail)):
        return ProviderError(ErrorKind.CONTENT_BLOCKED, f"{label} refused the prompt: {detail}")
    if status == 404 or code == "model_not_found":
        return ProviderError(
            ErrorKind.CONFIGURATION,
            f"{label} has no such model or path (HTTP {status}): {detail}",
        )
    kind = _kind_for_status(status)
    what = {
        ErrorKind.AUTH: "rejected the key",
        ErrorKind.RATE_LIMITED: "is rate limiting this key or its quota is used up",
        ErrorKind.TIMEOUT: "timed out",
    }.get(kind, "failed" if status >= 500 else "refused the request")
    return ProviderError(kind, f"{label} {what} (HTTP {status}): {detail}")


def _detail(body: object, fallback: str) -> str:
    """The provider's words; a JSON object without a known field is quoted whole."""
    text = error_detail(body) if isinstance(body, (Mapping, str)) else ""
    if not text and isinstance(body, Mapping):
        text = json.dumps(body)
    return " ".join((text or fallback).split()) or "no details"


def _field(item: object, name: str) -> object:
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def _image_from(response: object, label: str, deadline: Deadline) -> GeneratedImage:
    data = getattr(response, "data", None)
    if not isinstance(data, list) or not data:
        raise ProviderError(ErrorKind.BAD_RESPONSE, f"{label} returned no image")
    b64, url = _field(data[0], "b64_json"), _field(data[0], "url")
    if isinstance(url, str) and url.startswith("data:") and "," in url:
        b64 = url.partition(",")[2]
    if isinstance(b64, str) and b64:
        try:
            raw = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ProviderError(
                ErrorKind.BAD_RESPONSE, f"{label} returned image data that is not base64"
            ) from exc
        return image_result(raw)
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        try:
            return download_image(None, url, deadline)
        except requests.Timeout as exc:
            raise ProviderError(
                ErrorKind.TIMEOUT, f"the image download from {label} timed out"
            ) from exc
        except requests.RequestException as exc:
            raise ProviderError(
                ErrorKind.PROVIDER_ERROR,
                f"the image download from {label} failed ({type(exc).__name__})",
            ) from exc
    raise ProviderError(ErrorKind.BAD_RESPONSE, f"{label} returned neither image data nor a URL")
