"""Issue 13.7 and 13.1: a store that cannot be reached is 503 ``STORAGE_UNAVAILABLE`` and a
limiter that cannot decide is 503 ``SERVICE_BUSY``, both with ``Retry-After``; never a 500,
and never a 429 that claims a limit was reached."""

from __future__ import annotations

import json
import socket
import time

import pytest

from bootstrap import build_app
from jobs.dispatch import LambdaDispatcher
from testkit.dispatch import FakeLambda
from testkit.events import http_event
from utils.object_store import LocalObjectStore, PreconditionFailed
from utils.rate_limit import RateLimiter

JOB = "6f1c3a52-9a57-4d2e-8c9e-2f0f4f5b8a11"
REQUESTS = [
    ("POST", "/generate", {"prompt": "a red kite"}),
    ("POST", "/enhance", {"prompt": "a red kite"}),
    ("GET", f"/status/{JOB}", None),
    ("GET", "/gallery", None),
    ("GET", "/gallery/2026-11-26-13-45-30-abcdef", None),
]


def app_for(**environ: str):
    base = {
        "MODEL_COUNT": "1",
        "MODEL_1_NAME": "Local One",
        "MODEL_1_PROVIDER": "local",
        "RATE_LIMIT_KEY": "a-test-key-of-sufficient-length",
    }
    return build_app(
        {**base, **environ},
        dispatcher=LambdaDispatcher(
            FakeLambda(error=AssertionError("no job may be dispatched")), "fn"
        ),
    )


def answer(app, method: str, path: str, body) -> tuple[int, dict, dict]:
    response = app.handle_http(http_event(method, path, body))
    return response["statusCode"], json.loads(response["body"]), response["headers"]


def assert_storage_unavailable(app) -> None:
    for method, path, body in REQUESTS:
        status, error, headers = answer(app, method, path, body)
        assert (status, error["code"]) == (503, "STORAGE_UNAVAILABLE"), (path, error)
        assert set(error) == {"error", "code"}
        assert int(headers["Retry-After"]) >= 1


def test_a_missing_bucket_is_503_storage_unavailable(moto_s3):
    assert_storage_unavailable(app_for(S3_BUCKET="no-such-bucket"))


def test_an_endpoint_that_is_down_is_503_storage_unavailable_within_seconds():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = app_for(S3_BUCKET="test-bucket", S3_ENDPOINT_URL=f"http://127.0.0.1:{port}")
    started = time.monotonic()
    assert_storage_unavailable(app)
    assert time.monotonic() - started < 30  # bounded retries, not a hang per request


def test_a_local_data_directory_that_cannot_be_written_is_503(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data directory should be")
    app = app_for(DATA_DIR=str(blocker))
    status, error, _ = answer(app, "POST", "/generate", {"prompt": "a red kite"})
    assert (status, error["code"]) == (503, "STORAGE_UNAVAILABLE")


class AlwaysLosing:
    """A store where every conditional write loses: contention that never ends."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def get(self, key):
        return self.inner.get(key)

    def put(self, key, data, content_type, **conditions):
        raise PreconditionFailed(key)

    def list(self, prefix, **options):
        return self.inner.list(prefix, **options)


@pytest.mark.parametrize("path", ["/generate", "/enhance"])
def test_a_limiter_that_cannot_decide_answers_503_service_busy(tmp_path, path):
    app = app_for(DATA_DIR=str(tmp_path / "data"))
    app.limiter = RateLimiter(
        AlwaysLosing(LocalObjectStore(tmp_path / "limiter")),
        1000,
        1000,
        key=b"a-test-key-of-sufficient-length",
        max_attempts=3,
        sleep=lambda _: None,
    )
    status, error, headers = answer(app, "POST", path, {"prompt": "a red kite"})
    assert (status, error["code"]) == (503, "SERVICE_BUSY"), error
    assert "limit" not in error["error"]
    assert headers["Retry-After"] == "1"
