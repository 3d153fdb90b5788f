"""OpenAI's moderation endpoint, called for the content filter's second stage.

Wire protocol (https://platform.openai.com/docs/api-reference/moderations/create):
``POST {base}/moderations`` with ``Authorization: Bearer <key>`` and
``{"model": "omni-moderation-latest", "input": "<prompt>"}``; the answer is
``{"id", "model", "results": [{"flagged", "categories", "category_scores",
"category_applied_input_types"}]}`` (read by ``utils.moderation.verdict_from_moderation``).
``omni-moderation-latest`` covers harassment, hate, illicit, self-harm, sexual,
sexual/minors, violence and violence/graphic (and their sub-categories); the endpoint is
free of charge for OpenAI API keys (moderation guide,
https://platform.openai.com/docs/guides/moderation). The call goes through the official
``openai`` SDK (openai-python 3.51.0 ``resources/moderations.py``), no retries, a short
timeout: it sits in front of every ``/generate`` and ``/enhance`` answer.

The key is the one of the first configured OpenAI model (provider ``openai`` with a key), at
that model's base URL (``MODEL_N_BASE_URL``, else ``https://api.openai.com/v1``). Errors
become ``ModerationUnavailable`` with a message that names the HTTP status and error code
only: OpenAI's own error text can quote part of the key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from models.handlers import openai_compat as compat
from models.providers import PROVIDERS, Provider
from models.types import ModelConfig
from utils.moderation import ModerationUnavailable

MODEL = "omni-moderation-latest"
TIMEOUT_SECONDS = 3.0
"""Whole budget of one moderation call; the keyword verdict stands when it runs out."""
CONNECT_TIMEOUT_SECONDS = 1.5


class OpenAIModeration:
    """Callable: one prompt in, the decoded moderation answer out (see module docstring)."""

    def __init__(self, key: str, base_url: str | None = None, timeout: float = TIMEOUT_SECONDS):
        self._key = key
        self.base_url = base_url or PROVIDERS[Provider.OPENAI].default_base_url or ""
        self.timeout = timeout

    def __repr__(self) -> str:  # never the key
        return f"{type(self).__name__}(base_url={self.base_url!r}, model={MODEL!r})"

    def __call__(self, prompt: str) -> dict[str, Any]:
        import openai

        client = compat.sdk_client(self._key, self.base_url)
        timeout = openai.Timeout(self.timeout, connect=min(CONNECT_TIMEOUT_SECONDS, self.timeout))
        try:
            raw = client.moderations.with_raw_response.create(
                model=MODEL, input=prompt, timeout=timeout
            )
            body = json.loads(raw.text)
        except openai.APITimeoutError as exc:
            raise ModerationUnavailable("OpenAI moderation did not answer in time") from exc
        except openai.APIConnectionError as exc:
            cause = type(exc.__cause__).__name__ if exc.__cause__ else "connection error"
            raise ModerationUnavailable(f"could not reach OpenAI moderation ({cause})") from exc
        except openai.APIStatusError as exc:
            code = exc.code if isinstance(exc.code, str) and exc.code.isidentifier() else None
            detail = f" ({code})" if code else ""
            raise ModerationUnavailable(
                f"OpenAI moderation answered HTTP {exc.status_code}{detail}"
            ) from exc
        except (ValueError, openai.OpenAIError) as exc:  # JSONDecodeError is a ValueError
            raise ModerationUnavailable(
                f"OpenAI moderation answered unreadably ({type(exc).__name__})"
            ) from exc
        if not isinstance(body, dict):
            raise ModerationUnavailable("OpenAI moderation answered with a non-object")
        return body


def openai_moderation(models: Iterable[ModelConfig]) -> OpenAIModeration | None:
    """The moderation caller for the first OpenAI model with a key, or None without one."""
    for model in models:
        if model.provider == "openai" and model.key:
            return OpenAIModeration(model.key, model.base_url)
    return None
