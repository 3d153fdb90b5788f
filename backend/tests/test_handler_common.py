"""What every provider module shares (``models.handlers.common``): the guard around text
handlers, and ``shared_client``, one SDK client per arguments, created once."""

from __future__ import annotations

import threading
import time

import pytest

from models.handlers.common import CLIENT_CACHE_SIZE, guard_text, shared_client
from models.types import ErrorKind, ModelConfig, ProviderError

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
        guard_text(failing)(MODEL, "Rewrite: fox", 5.0)
    assert caught.value.kind is kind
    assert KEY not in caught.value.message and caught.value.message


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
