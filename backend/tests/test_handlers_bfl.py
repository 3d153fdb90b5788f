"""BFL (FLUX) handler against a local fake of the submit / poll / deliver protocol."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from models.handlers import bfl_provider, get_handler
from models.types import ErrorKind, GenerationParams, ModelConfig
from testkit.fakes import bfl_api
from testkit.fakes.bfl_api import FakeBfl
from testkit.fakes.server import Reply
from testkit.outcome import attempt

KEY = "bfl_testkey_0123456789abcdef0123"


def run(base_url, model_id="flux-2-pro", **params):
    params.setdefault("timeout", 10.0)
    config = ModelConfig(
        index=2, name="FLUX", provider="bfl", model_id=model_id, key=KEY, base_url=base_url
    )
    return attempt(get_handler("bfl"), config, "a red fox in snow", GenerationParams(**params))


def assert_failure(result, kind, words=""):
    assert not result.ok
    assert result.error_kind is kind, result.error
    assert words in result.error
    assert KEY not in result.error
    assert "\n" not in result.error


def test_submit_poll_pending_then_ready_and_download(fake_server):
    fake = FakeBfl(fake_server, statuses=["Pending", "Pending", "Ready"]).install()

    started = time.monotonic()
    result = run(fake_server.url, steps=30, guidance=4.0)
    elapsed = time.monotonic() - started

    assert result.ok, result.error
    assert result.media_type == "image/png"
    assert Image.open(io.BytesIO(result.image)).size == (8, 8)

    (submit,) = fake.requests_to("/v1/")
    assert submit.method == "POST"
    assert submit.path == "/v1/flux-2-pro"
    assert submit.header("x-key") == KEY
    assert submit.json() == {
        "prompt": "a red fox in snow",
        "output_format": "png",
        "safety_tolerance": 2,
        "width": 1024,
        "height": 1024,
    }

    polls = fake.requests_to(bfl_api.POLL_PATH)
    assert len(polls) == 3
    assert all(p.method == "GET" and p.header("x-key") == KEY for p in polls)
    task_id = next(iter(fake.polls))
    assert all(p.query == {"id": [task_id]} for p in polls)
    assert elapsed >= 2 * 0.5  # two waits between three polls

    (download,) = fake.requests_to(bfl_api.DELIVERY_PREFIX)
    assert download.header("x-key") is None
    assert download.query["sig"] == ["x"]


def test_flux_dev_gets_clamped_steps_and_guidance(fake_server):
    fake = FakeBfl(fake_server, statuses=["Ready"]).install()

    result = run(fake_server.url, "flux-dev", steps=80, guidance=9.0)

    assert result.ok, result.error
    body = fake.requests_to("/v1/")[0].json()
    assert body["steps"] == 50
    assert body["guidance"] == 5.0
    assert (body["width"], body["height"]) == (1024, 1024)


def test_flux2_flex_guidance_range(fake_server):
    fake = FakeBfl(fake_server, statuses=["Ready"]).install()

    result = run(fake_server.url + "/v1/", "flux-2-flex", guidance=8.0)

    assert result.ok, result.error
    body = fake.requests_to("/v1/")[0].json()
    assert fake.requests_to("/v1/")[0].path == "/v1/flux-2-flex"
    assert body["guidance"] == 8.0


@pytest.mark.parametrize("model_id", ["flux-kontext-pro", "flux-pro-1.1-ultra"])
def test_aspect_ratio_models_get_no_width_height(fake_server, model_id):
    fake = FakeBfl(fake_server, statuses=["Ready"]).install()

    result = run(fake_server.url, model_id, steps=20, guidance=3.0)

    assert result.ok, result.error
    body = fake.requests_to("/v1/")[0].json()
    assert body["aspect_ratio"] == "1:1"
    assert not {"width", "height", "steps", "guidance"} & set(body)


@pytest.mark.parametrize(
    ("status", "kind", "words"),
    [
        ("Request Moderated", ErrorKind.CONTENT_BLOCKED, "Derivative Works Filter"),
        ("Content Moderated", ErrorKind.CONTENT_BLOCKED, "content moderated"),
        ("Error", ErrorKind.PROVIDER_ERROR, "CUDA out of memory"),
        ("Task not found", ErrorKind.PROVIDER_ERROR, "not found"),
    ],
)
def test_terminal_poll_statuses(fake_server, status, kind, words):
    fake = FakeBfl(fake_server, statuses=["Pending", status]).install()

    result = run(fake_server.url)

    assert_failure(result, kind, words)
    assert len(fake.requests_to(bfl_api.POLL_PATH)) == 2
    assert fake.requests_to(bfl_api.DELIVERY_PREFIX) == []


def test_poll_that_never_becomes_ready_times_out_within_budget(fake_server):
    fake = FakeBfl(fake_server, statuses=["Pending"]).install()

    started = time.monotonic()
    result = run(fake_server.url, timeout=1.5)
    elapsed = time.monotonic() - started

    assert_failure(result, ErrorKind.TIMEOUT)
    assert elapsed < 1.5 + 1.0
    assert 2 <= len(fake.requests_to(bfl_api.POLL_PATH)) <= 4


@pytest.mark.parametrize("where", ["submit", "poll", "download"])
def test_server_that_never_answers_times_out_within_budget(fake_server, where):
    fake = FakeBfl(fake_server, statuses=["Ready"])
    if where == "submit":
        fake.submit_reply = lambda request: Reply(hang=True)
    elif where == "poll":
        fake.poll_reply = lambda task_id, status: Reply(hang=True)
    else:
        fake.sample = lambda: Reply(hang=True)
    fake.install()

    started = time.monotonic()
    result = run(fake_server.url, timeout=1.5)
    elapsed = time.monotonic() - started

    assert_failure(result, ErrorKind.TIMEOUT)
    assert elapsed < 1.5 + 1.0


@pytest.mark.parametrize(
    ("reply", "kind", "words"),
    [
        (lambda: bfl_api.detail(403, "Invalid API key"), ErrorKind.AUTH, "Invalid API key"),
        (lambda: bfl_api.detail(401, "Unauthorized"), ErrorKind.AUTH, "HTTP 401"),
        (
            lambda: bfl_api.detail(402, "Insufficient credits"),
            ErrorKind.PROVIDER_ERROR,
            "no credits left (HTTP 402)",
        ),
        (bfl_api.rate_limited, ErrorKind.RATE_LIMITED, "Too many concurrent requests"),
        (
            lambda: bfl_api.validation_error("width", "Input should be a multiple of 32"),
            ErrorKind.PROVIDER_ERROR,
            "multiple of 32",
        ),
        (lambda: bfl_api.detail(500, "Internal Server Error"), ErrorKind.PROVIDER_ERROR, "500"),
        (lambda: Reply(503, b"upstream overloaded"), ErrorKind.PROVIDER_ERROR, "HTTP 503"),
    ],
)
def test_submit_errors_map_to_kinds(fake_server, reply, kind, words):
    fake = FakeBfl(fake_server, submit_reply=lambda request: reply()).install()

    result = run(fake_server.url)

    assert_failure(result, kind, words)
    assert fake.requests_to(bfl_api.POLL_PATH) == []


def test_poll_http_error_maps_to_kind(fake_server):
    FakeBfl(
        fake_server, poll_reply=lambda task_id, status: bfl_api.detail(403, "Not authenticated")
    ).install()

    assert_failure(run(fake_server.url), ErrorKind.AUTH, "Not authenticated")


@pytest.mark.parametrize(
    "fake_kwargs",
    [
        {"submit_reply": lambda request: Reply(200, b"<html>ok</html>")},
        {"submit_reply": lambda request: Reply.json({"id": "abc"})},
        {"submit_reply": lambda request: Reply.json({"id": "abc", "polling_url": "get_result"})},
        {"poll_reply": lambda task_id, status: Reply.json(["Ready"])},
        {"poll_reply": lambda task_id, status: Reply.json({"id": task_id, "result": None})},
        {"poll_reply": lambda task_id, status: Reply.json({"status": "Ready", "result": {}})},
        {"sample": lambda: Reply(200, b"GIF89a-but-not-really", {"Content-Type": "image/gif"})},
    ],
)
def test_malformed_answers_are_bad_responses(fake_server, fake_kwargs):
    FakeBfl(fake_server, statuses=["Ready"], **fake_kwargs).install()

    assert_failure(run(fake_server.url), ErrorKind.BAD_RESPONSE)


# -- where the key may go (x-key only to BFL's https hosts) ----------------------------------------


@pytest.mark.parametrize(
    "polling_url",
    [
        "http://api.bfl.ai/v1/get_result?id=1",  # plain http, even on a BFL host
        "https://evil.example/v1/get_result?id=1",
        "https://api.bfl.ai.evil.example/v1/get_result?id=1",
        "https://notbfl.ai/v1/get_result?id=1",
    ],
)
def test_the_key_goes_to_no_polling_url_off_bfl_https_hosts(fake_server, polling_url):
    fake_server.route(
        "POST", "/v1/", lambda request: Reply.json({"id": "1", "polling_url": polling_url})
    )

    result = run(fake_server.url)

    assert_failure(result, ErrorKind.BAD_RESPONSE, "the key was not sent")
    assert [r.method for r in fake_server.requests] == ["POST"]  # no poll was sent anywhere


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://api.bfl.ai/v1/get_result?id=1", True),
        ("https://api.eu.bfl.ai/v1/get_result?id=1", True),
        ("https://api.us1.bfl.ai/v1/get_result?id=1", True),
        ("https://bfl.ai/v1/get_result?id=1", True),
        ("http://api.bfl.ai/v1/get_result?id=1", False),
        ("https://api.bfl.ai.evil.example/x", False),
        ("https://xbfl.ai/x", False),
        ("http://127.0.0.1:9/v1/get_result", False),
        ("http://127.0.0.1:8080/v1/get_result?id=1", True),  # the configured base URL's origin
    ],
)
def test_may_receive_key(url, allowed):
    assert bfl_provider.may_receive_key(url, "http://127.0.0.1:8080") is allowed
