"""Pure validation of request bodies and path parameters; raises typed 400 errors."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from api.errors import InvalidRequest
from arena.votes import Ballot
from jobs.document import canonical_job_id
from models.providers import ASPECT_RATIOS

MAX_PROMPT_CHARS = 1000
_ASCII_INTEGER = re.compile(r"[0-9]{1,6}")
# Characters that draw nothing although Unicode does not class them as spaces or format
# characters (Hangul fillers, the blank Braille pattern).
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_RANGES: dict[str, tuple[type, float, float]] = {
    "steps": (int, 1, 150),
    "guidance": (float, 0, 30),
    "control": (float, 0, 5),
}


MAX_NEGATIVE_PROMPT_CHARS = 1000
MAX_SEED = 4_294_967_295


@dataclass(frozen=True)
class GenerateRequest:
    prompt: str
    steps: int | None = None
    guidance: float | None = None
    control: float | None = None
    aspect_ratio: str | None = None
    seed: int | None = None
    negative_prompt: str | None = None

    def parameters(self) -> dict[str, int | float | str]:
        """The tunables the user set, as stored in the job document (the API's names)."""
        values = {
            "steps": self.steps,
            "guidance": self.guidance,
            "control": self.control,
            "aspectRatio": self.aspect_ratio,
            "seed": self.seed,
            "negativePrompt": self.negative_prompt,
        }
        return {name: value for name, value in values.items() if value is not None}


def parse_prompt(body: dict[str, Any]) -> str:
    prompt = body.get("prompt")
    if prompt is None:
        raise InvalidRequest("prompt is required", "PROMPT_REQUIRED")
    if not isinstance(prompt, str):
        raise InvalidRequest("prompt must be a string", "INVALID_REQUEST")
    prompt = prompt.strip()
    if not is_printable_text(prompt):
        raise InvalidRequest("prompt contains an unpaired surrogate", "INVALID_REQUEST")
    if is_blank(prompt):
        raise InvalidRequest("prompt must not be blank", "PROMPT_REQUIRED")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InvalidRequest(
            f"prompt is {len(prompt)} characters; the limit is {MAX_PROMPT_CHARS}",
            "PROMPT_TOO_LONG",
        )
    return prompt


def is_blank(text: str) -> bool:
    """True when ``text`` is only spaces, zero-width and other format characters (U+200B,
    U+200D, U+2060, U+FEFF, ...) and characters that draw as a space."""
    return all(
        ch.isspace() or ch in _BLANK_LOOKING or unicodedata.category(ch) == "Cf" for ch in text
    )


def is_printable_text(text: str) -> bool:
    """False when ``text`` holds a lone surrogate, which no UTF-8 store or response can carry."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_gallery_limit(raw: str | None, default: int, maximum: int) -> int:
    """``?limit=``: ASCII digits only (``²``, ``①`` and 5,000-digit numbers are 400s)."""
    if raw is None:
        return default
    if not _ASCII_INTEGER.fullmatch(raw) or not 1 <= int(raw) <= maximum:
        raise InvalidRequest(f"limit must be an integer from 1 to {maximum}", "INVALID_REQUEST")
    return int(raw)


def _integer(body: dict[str, Any], name: str) -> int | None:
    value = _number(body, name)
    return None if value is None else int(value)


def _number(body: dict[str, Any], name: str) -> int | float | None:
    value = body.get(name)
    if value is None:
        return None
    kind, low, high = _RANGES[name]
    number_ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not number_ok or not math.isfinite(value) or (kind is int and value != int(value)):
        noun = "an integer" if kind is int else "a number"
        raise InvalidRequest(f"{name} must be {noun} from {low:g} to {high:g}", "INVALID_REQUEST")
    if not low <= value <= high:
        raise InvalidRequest(f"{name} must be from {low:g} to {high:g}", "INVALID_REQUEST")
    return kind(value)


def _aspect_ratio(body: dict[str, Any]) -> str | None:
    value = body.get("aspectRatio")
    if value is None:
        return None
    if not isinstance(value, str) or value not in ASPECT_RATIOS:
        raise InvalidRequest(
            f"aspectRatio must be one of {', '.join(ASPECT_RATIOS)}", "INVALID_REQUEST"
        )
    return value


def _seed(body: dict[str, Any]) -> int | None:
    """An integer from 0 to 4294967295 (``7.0`` is the integer 7, as JSON Schema has it)."""
    value = body.get("seed")
    if value is None:
        return None
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    is_integer = is_number and math.isfinite(value) and value == int(value)
    if not is_integer or not 0 <= value <= MAX_SEED:
        raise InvalidRequest(f"seed must be an integer from 0 to {MAX_SEED}", "INVALID_REQUEST")
    return int(value)


def _negative_prompt(body: dict[str, Any]) -> str | None:
    """A string of at most 1000 characters; an empty or blank one means none."""
    value = body.get("negativePrompt")
    if value is None:
        return None
    if not isinstance(value, str) or not is_printable_text(value):
        raise InvalidRequest("negativePrompt must be a string", "INVALID_REQUEST")
    if len(value) > MAX_NEGATIVE_PROMPT_CHARS:
        raise InvalidRequest(
            f"negativePrompt is {len(value)} characters; the limit is {MAX_NEGATIVE_PROMPT_CHARS}",
            "INVALID_REQUEST",
        )
    return None if is_blank(value) else value.strip()


def parse_generate(body: dict[str, Any]) -> GenerateRequest:
    """``{prompt, steps?, guidance?, control?, aspectRatio?, seed?, negativePrompt?}``; other
    fields (such as ``ip``) are ignored.

    ``control`` is accepted and ignored (docs/openapi.yaml): validated and recorded with the job,
    read by no model."""
    return GenerateRequest(
        prompt=parse_prompt(body),
        steps=_integer(body, "steps"),
        guidance=_number(body, "guidance"),
        control=_number(body, "control"),
        aspect_ratio=_aspect_ratio(body),
        seed=_seed(body),
        negative_prompt=_negative_prompt(body),
    )


def parse_job_id(value: str) -> str:
    """A canonical lowercase UUID (``jobs.document.canonical_job_id``), checked before any
    storage access."""
    job_id = canonical_job_id(value)
    if job_id is None:
        raise InvalidRequest("jobId must be a UUID", "INVALID_JOB_ID")
    return job_id


def parse_ballot(body: dict[str, Any]) -> Ballot:
    """``{jobId, winner, loser, tie?}``: result indices are integers from 0 to 999; ``tie`` a
    boolean. Whether they name two completed images of the job (and not the same one twice) is
    ``arena.votes.voted_runs``'s question, asked once the job is found (else 404)."""
    job_id = canonical_job_id(body.get("jobId"))
    if job_id is None:
        raise InvalidRequest("jobId must be a UUID", "INVALID_JOB_ID")
    indices = []
    for name in ("winner", "loser"):
        value = body.get(name)
        if not (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value == int(value)
            and 0 <= value <= 999
        ):
            raise InvalidRequest(
                f"{name} must be a result index (an integer from 0 to 999)", "INVALID_REQUEST"
            )
        indices.append(int(value))
    tie = body.get("tie", False)
    if not isinstance(tie, bool):
        raise InvalidRequest("tie must be true or false", "INVALID_REQUEST")
    return Ballot(job_id, indices[0], indices[1], tie)


_IDEMPOTENCY_KEY = re.compile(r"[\x20-\x7e]{1,255}")


def parse_idempotency_key(headers: dict[str, str]) -> str | None:
    """The ``Idempotency-Key`` header (1-255 printable ASCII characters), None when absent."""
    value = headers.get("idempotency-key")
    if value is None:
        return None
    if not _IDEMPOTENCY_KEY.fullmatch(value):
        raise InvalidRequest(
            "Idempotency-Key must be 1 to 255 printable ASCII characters",
            "INVALID_IDEMPOTENCY_KEY",
        )
    return value
