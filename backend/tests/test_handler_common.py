"""What every provider module shares (``models.handlers.common``): the one guard around image
and text handlers (key check, redaction), and ``shared_client``, one SDK client per arguments,
created once."""

from __future__ import annotations

import base64
import threading
import time

import pytest

from models.handlers import get_handler, get_text_handler
from models.handlers.common import (
    CLIENT_CACHE_SIZE,
    KEY_PIECE_CHARS,
    MAX_MESSAGE_CHARS,
    guard,
    redact,
    shared_client,
)
from models.providers import TABLE
from models.types import ErrorKind, GenerationParams, ModelConfig, ProviderError

KEY = "sk-live-0123456789abcdef"
MODEL = ModelConfig(index=1, name="GPT", provider="openai", model_id="gpt-6", key=KEY)


@pytest.mark.parametrize(
    ("raised", "kind"),
    [
        (ProviderError(ErrorKind.AUTH, f"Incorrect API key provided: {KEY}"), ErrorKind.AUTH),
        (RuntimeError(f"connection to https://x/?key={KEY} reset"), ErrorKind.PROVIDER_ERROR),
        (TimeoutError(f"read timed out ({KEY})"), ErrorKind.TIMEOUT),
    ],
)
def test_a_guarded_text_handler_raises_only_provider_errors_without_the_key(raised, kind):
    def failing(model, instruction, timeout):
        raise raised

    with pytest.raises(ProviderError) as caught:
        guard(failing)(MODEL, "Rewrite: fox", 5.0)
    assert caught.value.kind is kind
    assert KEY not in caught.value.message and caught.value.message


@pytest.mark.parametrize(
    ("raised", "kind"),
    [
        (ProviderError(ErrorKind.AUTH, f"Incorrect API key provided: {KEY}"), ErrorKind.AUTH),
        (RuntimeError(f"connection to https://x/?key={KEY} reset"), ErrorKind.PROVIDER_ERROR),
    ],
)
def test_a_guarded_image_handler_raises_only_provider_errors_without_the_key(raised, kind):
    def failing(model, prompt, params):
        raise raised

    with pytest.raises(ProviderError) as caught:
        guard(failing)(MODEL, "fox", GenerationParams())
    assert caught.value.kind is kind
    assert KEY not in caught.value.message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


# -- one key check for every provider --------------------------------------------------------


@pytest.mark.parametrize("row", [r for r in TABLE if r.key_required], ids=lambda r: r.provider)
@pytest.mark.parametrize("key", ["", "   ", "N/A"])
def test_every_provider_that_needs_a_key_is_refused_without_one(row, key):
    """Before the guard, stability and bfl sent an empty key to the provider."""
    called = []

    def handler(model, prompt, params):
        called.append(model)
        raise AssertionError("the handler must not run")

    model = ModelConfig(4, "M", row.provider, "some-model", key, "http://127.0.0.1:9")
    with pytest.raises(ProviderError) as caught:
        guard(handler)(model, "fox", GenerationParams(timeout=1))
    assert caught.value.kind is ErrorKind.CONFIGURATION
    assert caught.value.message == f"MODEL_4_KEY is not set: {row.label} needs an API key"
    assert called == []


def test_the_handler_lookup_guards_every_handler():
    for row in TABLE:
        model = ModelConfig(1, "M", row.provider, "m", "", "http://127.0.0.1:9")
        lookups = [get_handler(row.provider)]
        if row.text_handler:
            lookups.append(get_text_handler(row.provider))
        for handler in lookups:
            if row.key_required:
                with pytest.raises(ProviderError, match="MODEL_1_KEY is not set"):
                    handler(model, "x", GenerationParams(timeout=1))
    assert get_text_handler("bfl") is None


# -- redaction: first remove every form of the key, then cut --------------------------------

LONG_KEY = "sk-proj-Zq8rT2vX9mN4bL7cK1dF6gH3jP0wS5yA"  # 40 characters


def pieces(key: str) -> set[str]:
    return {key[i : i + KEY_PIECE_CHARS] for i in range(len(key) - KEY_PIECE_CHARS + 1)}


def leaked(text: str, key: str) -> set[str]:
    forms = [key]
    for prefix in (b"", b"u", b"us", b"user:"):
        forms.append(base64.b64encode(prefix + key.encode()).decode())
        forms.append(base64.urlsafe_b64encode(prefix + key.encode()).decode())
    return {p for form in forms for p in pieces(form) if p in text} - {""}


@pytest.mark.parametrize("offset", [0, 150, 190, 200, 250, 280, 295, 299, 300])
def test_a_key_echoed_anywhere_in_a_long_message_leaves_no_piece(offset):
    """Cutting first (the old order) left a key cut at the boundary unmatched."""
    message = "x" * offset + LONG_KEY + " and then more words " * 20
    text = redact(message, LONG_KEY)
    assert len(text) <= MAX_MESSAGE_CHARS
    assert not leaked(text, LONG_KEY), text


@pytest.mark.parametrize(
    "form",
    [
        lambda k: base64.b64encode(k.encode()).decode(),
        lambda k: base64.b64encode(b"user:" + k.encode()).decode(),  # Basic auth
        lambda k: base64.urlsafe_b64encode(b"ab" + k.encode()).decode(),
        lambda k: f"Authorization: Bearer {k}",
        lambda k: f"bearer {k[:20]}",
        lambda k: k[5:30],  # a 25-character fragment
        lambda k: k[::-1][::-1][10:],  # the key's tail
    ],
)
def test_base64_bearer_and_fragments_of_the_key_are_redacted(form):
    text = redact(f"upstream said: {form(LONG_KEY)} (request id 42)", LONG_KEY)
    assert not leaked(text, LONG_KEY), text
    assert "request id 42" in text


def test_redact_keeps_ordinary_text_and_a_short_key_is_still_removed():
    assert redact("model not found: gpt-image-9", LONG_KEY) == "model not found: gpt-image-9"
    assert redact("bad key abcd1234 given", "abcd1234") == "bad key [redacted] given"


def test_threads_asking_at_once_share_one_client_per_arguments():
    created = []

    @shared_client
    def make(key: str, url: str) -> object:
        time.sleep(0.05)  # slow creation: every thread arrives while the first is creating
        client = object()
        created.append((key, url))
        return client

    gate = threading.Barrier(12)
    got: list[object] = []

    def ask(key: str) -> None:
        gate.wait()
        got.append(make(key, "https://api.example"))

    threads = [threading.Thread(target=ask, args=(f"k{n % 2}",)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(created) == [("k0", "https://api.example"), ("k1", "https://api.example")]
    assert len({id(client) for client in got}) == 2


def test_the_oldest_client_is_dropped_beyond_the_cache_size():
    @shared_client
    def make(n: int) -> list[int]:
        return [n]

    first = make(0)
    for n in range(1, CLIENT_CACHE_SIZE + 1):
        make(n)
    assert make(CLIENT_CACHE_SIZE) is make(CLIENT_CACHE_SIZE)
    assert make(0) is not first  # evicted, then created again


def test_the_cache_holds_a_client_per_configured_model_beyond_sixteen():
    from models.handlers import common

    @shared_client
    def make(n: int) -> list[int]:
        return [n]

    common.size_client_caches(20)
    try:
        clients = [make(n) for n in range(20)]
        assert all(make(n) is clients[n] for n in range(20))  # 20 endpoints, no rebuilds
    finally:
        common.size_client_caches(0)
    assert common._cache_size == CLIENT_CACHE_SIZE


def test_clients_for_different_endpoints_are_created_concurrently():
    both_inside = threading.Barrier(2, timeout=5)

    @shared_client
    def make(key: str) -> str:
        both_inside.wait()  # raises BrokenBarrierError if creations were serialised
        return key

    results: list[str] = []
    threads = [threading.Thread(target=lambda k=k: results.append(make(k))) for k in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["a", "b"]


def _encoded(fmt: str, size: tuple[int, int] = (8, 8)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("WEBP", "image/webp")],
)
def test_image_result_names_the_format_from_its_bytes(fmt, media_type):
    from models.handlers.common import image_result

    data = _encoded(fmt)
    assert image_result(data).media_type == media_type and image_result(data).data is data


@pytest.mark.parametrize(
    "damage",
    [
        lambda png: png[:-6],  # a truncated download: no IEND chunk
        lambda png: png[:40],  # a header and nothing else
        lambda png: b"GIF89a" + png[6:],  # a format it is not
        lambda png: b"<html>rate limited</html>",
        lambda png: b"",
    ],
)
def test_image_result_refuses_what_is_not_a_whole_image(damage):
    from models.handlers.common import image_result

    with pytest.raises(ProviderError) as caught:
        image_result(damage(_encoded("PNG")))
    assert caught.value.kind is ErrorKind.BAD_RESPONSE


def test_image_result_refuses_a_truncated_jpeg():
    from models.handlers.common import image_result

    with pytest.raises(ProviderError):
        image_result(_encoded("JPEG", (64, 64))[:-100])
