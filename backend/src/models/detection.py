"""Which provider serves a model, guessed from its display name (MODEL_N_NAME).

``detect_provider(name, key=None)`` is pure. The rules are data: ``PROVIDER_PATTERNS`` is an
ordered table of ``(provider, patterns)`` taken from the provider table
(``models.providers``); the first provider with a matching pattern wins, and
a name that matches nothing is ``generic``. A pattern is a phrase, or a tuple of phrases that
must all occur.

How a name is matched (``tokens`` and ``contains`` are shared with the catalogue):

* The name is normalised with NFKC (fullwidth letters such as U+FF27 become ASCII ``G``),
  casefolded and stripped of diacritics (``Flüx`` is ``flux``). A trailing ``.0`` on a number
  is dropped, so ``Imagen 3.0`` and ``Imagen 3`` are the same name.
* It is cut into tokens at every character that is not a letter or digit (spaces, ``-``,
  ``_``, ``.``, ``·``, ``/``...), between letters and digits (``sd3`` is ``sd`` ``3``) and
  where a lowercase letter meets a capital (``HunyuanImage`` is ``hunyuan`` ``image``; so
  ``SuperNova`` is ``super`` ``nova`` while ``Supernova`` stays one word).
* A phrase matches a run of whole consecutive tokens whose concatenation equals the phrase's
  own, so ``dall-e``, ``DALL·E``, ``dall_e`` and ``DALLE`` all match ``dall e``, and
  ``StableDiffusion`` matches ``stable diffusion``. Matching never looks inside a token:
  ``wisdom`` does not contain ``sd``, ``egypt`` does not contain ``gpt``, ``Fluxus`` is not
  ``flux``, ``Imagenation`` is not ``imagen`` and ``Supernova Studio`` is not ``nova`` (all are
  ``generic``), while ``Super Nova`` is (``bedrock_nova``).
* A phrase that ends in a number does not match when the name's number goes on: ``gemini 2``
  does not match ``Gemini 2.5``.

Stability models reach the service two ways: Stability's own API (``stability``, needs a key)
and Amazon Bedrock (``bedrock_sd``, IAM credentials, no key). A name is ``bedrock_sd`` when it
says so (``bedrock``/``aws``/``amazon`` together with a Stable Diffusion word) or when it is a
Stable Diffusion name configured without a real key: ``key`` empty or a placeholder such as
``N/A`` (the original deployment configured "Stable Diffusion 3.5 Large" with key ``N/A`` for
Bedrock). When the key is not known (``key=None``) only that exact name goes to Bedrock.
The key is only compared with placeholders, never stored or logged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from models.providers import TABLE, Pattern, Provider

PROVIDER_PATTERNS: tuple[tuple[Provider, tuple[Pattern, ...]], ...] = tuple(
    (row.provider, row.patterns) for row in TABLE if row.patterns
)
"""Ordered as the provider table (``models.providers.TABLE``): earlier rows win."""

GENERIC = Provider.GENERIC

_BEDROCK_SD_EXACT_NAME = "stable diffusion 3.5 large"
_KEY_PLACEHOLDERS = frozenset({"", "n/a", "na", "none", "-", "null"})
_TRAILING_ZERO = re.compile(r"(?<=\d)\.0+(?!\d)")
_TOKEN = re.compile(r"[^\W\d_]+|\d+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def normalise(text: str) -> str:
    """NFKC, camelCase split, casefold, no diacritics, ``3.0`` written ``3``."""
    folded = _CAMEL.sub(" ", unicodedata.normalize("NFKC", text)).casefold()
    decomposed = unicodedata.normalize("NFKD", folded)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _TRAILING_ZERO.sub("", plain)


def tokens(text: str) -> tuple[str, ...]:
    """The name's tokens: runs of letters or of digits, everything else a separator."""
    return tuple(_TOKEN.findall(normalise(text)))


def compact(phrase: str) -> str:
    """A phrase's tokens joined, the form ``contains`` compares."""
    return "".join(tokens(phrase))


def contains(name_tokens: Sequence[str], phrase: str) -> bool:
    """Whether ``phrase`` occurs in the name as a run of whole tokens (see module docstring)."""
    target = compact(phrase)
    if not target:
        return False
    for start in range(len(name_tokens)):
        joined = ""
        for end in range(start, len(name_tokens)):
            joined += name_tokens[end]
            if len(joined) >= len(target):
                break
        if joined != target:
            continue
        following = name_tokens[end + 1] if end + 1 < len(name_tokens) else ""
        if target[-1].isdigit() and following[:1].isdigit():
            continue  # "gemini 2" must not match "gemini 2 5"
        return True
    return False


def _matches(name_tokens: Sequence[str], pattern: Pattern) -> bool:
    phrases = (pattern,) if isinstance(pattern, str) else pattern
    return all(contains(name_tokens, phrase) for phrase in phrases)


def is_placeholder(key: str) -> bool:
    """An empty key or one of the placeholders deployments write for \"no key\" (``N/A``)."""
    return key.strip().casefold() in _KEY_PLACEHOLDERS


def detect_provider(name: str, key: str | None = None) -> Provider:
    """The provider a model name points to; ``generic`` when nothing matches.

    ``key`` (the model's MODEL_N_KEY) only decides Stability-via-Bedrock: a Stability name
    with an empty or placeholder key is ``bedrock_sd``.
    """
    name_tokens = tokens(name)
    provider = next(
        (
            provider
            for provider, patterns in PROVIDER_PATTERNS
            if any(_matches(name_tokens, pattern) for pattern in patterns)
        ),
        GENERIC,
    )
    if provider == Provider.STABILITY:
        if key is None:
            if name_tokens == tokens(_BEDROCK_SD_EXACT_NAME):
                return Provider.BEDROCK_SD
        elif is_placeholder(key):
            return Provider.BEDROCK_SD
    return provider
