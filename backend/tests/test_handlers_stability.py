"""Stability AI handler against a local fake of the v2beta Stable Image API."""

from __future__ import annotations

import io
import socket
import time

import pytest
from PIL import Image

from models.handlers import get_handler
from models.types import ErrorKind, GenerationParams, ModelConfig
from testkit.fakes import stability_api
from testkit.fakes.server import Reply
from testkit.outcome import attempt

KEY = "sk-stabilitytestkey1234567890abcdef"


def model(server_url: str | None, model_id: str = "stable-image-core") -> ModelConfig:
    return ModelConfig(
        index=1,
        name="Stability",
        provider="stability",
        model_id=model_id,
        key=KEY,
        base_url=server_url,
    )


def run(base_url, model_id="stable-image-core", **params):
    params.setdefault("timeout", 10.0)
    return attempt(
        get_handler("stability"),
        model(base_url, model_id),
        "a lighthouse on a cliff",
        GenerationParams(**params),
    )


def only_request(server):
    assert len(server.requests) == 1
    return server.requests[0]


def test_core_success_sends_documented_multipart_request(fake_server):
    stability_api.install(fake_server)

    result = run(fake_server.url, guidance=7.0)

    assert result.ok, result.error
    assert result.media_type == "image/png"
    assert Image.open(io.BytesIO(result.image)).size == (8, 8)
    request = only_request(fake_server)
    assert request.method == "POST"
    assert request.path == "/v2beta/stable-image/generate/core"
    assert request.header("authorization") == f"Bearer {KEY}"
    assert request.header("accept") == "image/*"
    assert request.header("content-type").startswith("multipart/form-data; boundary=")
    assert stability_api.form_fields(request) == {
        "prompt": "a lighthouse on a cliff",
        "output_format": "png",
        "aspect_ratio": "1:1",
    }


def test_sd35_sends_model_and_cfg_scale(fake_server):
    stability_api.install(fake_server)

    result = run(fake_server.url, "sd3.5-large", guidance=6.5, steps=40)

    assert result.ok, result.error
    request = only_request(fake_server)
    assert request.path == "/v2beta/stable-image/generate/sd3"
    fields = stability_api.form_fields(request)
    assert fields["model"] == "sd3.5-large"
    assert fields["cfg_scale"] == "6.5"
    assert fields["aspect_ratio"] == "1:1"
    assert "steps" not in fields


def test_turbo_cfg_scale_is_clamped(fake_server):
    stability_api.install(fake_server)

    result = run(fake_server.url, "sd3.5-large-turbo", guidance=25)

    assert result.ok, result.error
    fields = stability_api.form_fields(only_request(fake_server))
    assert fields["cfg_scale"] == "10"
    assert "negative_prompt" not in fields


def test_ultra_and_base_url_with_version_suffix(fake_server):
    stability_api.install(fake_server)

    result = run(fake_server.url + "/v2beta/", "stable-image-ultra", guidance=3)

    assert result.ok, result.error
    request = only_request(fake_server)
    assert request.path == "/v2beta/stable-image/generate/ultra"
    assert "cfg_scale" not in stability_api.form_fields(request)


def test_unknown_model_id_is_a_configuration_error_without_a_call(fake_server):
    stability_api.install(fake_server)

    result = run(fake_server.url, "stable-diffusion-xl-1024-v1-0")

    assert result.error_kind is ErrorKind.CONFIGURATION
    assert "stable-diffusion-xl-1024-v1-0" in result.error
    assert fake_server.requests == []


@pytest.mark.parametrize(
    ("reply", "kind", "words"),
    [
        (stability_api.BAD_KEY, ErrorKind.AUTH, "HTTP 401"),
        (stability_api.FORBIDDEN, ErrorKind.AUTH, "HTTP 403"),
        (stability_api.MODERATED, ErrorKind.CONTENT_BLOCKED, "flagged by our content moderation"),
        (stability_api.NO_CREDITS, ErrorKind.PROVIDER_ERROR, "no credits left (HTTP 402)"),
        (stability_api.RATE_LIMITED, ErrorKind.RATE_LIMITED, "150 requests"),
        (stability_api.SERVER_ERROR, ErrorKind.PROVIDER_ERROR, "HTTP 500"),
        (lambda: stability_api.image("CONTENT_FILTERED"), ErrorKind.CONTENT_BLOCKED, "filtered"),
        (lambda: Reply(502, b"<html>Bad Gateway</html>"), ErrorKind.PROVIDER_ERROR, "HTTP 502"),
    ],
)
def test_error_answers_map_to_kinds(fake_server, reply, kind, words):
    stability_api.install(fake_server, reply)

    result = run(fake_server.url)

    assert not result.ok
    assert result.error_kind is kind
    assert words in result.error
    assert KEY not in result.error
    assert "\n" not in result.error


@pytest.mark.parametrize(
    "reply",
    [
        lambda: stability_api.image(body=b"not an image at all"),
        lambda: Reply.json({"image": "", "finish_reason": "SUCCESS"}),
    ],
)
def test_success_without_an_image_is_a_bad_response(fake_server, reply):
    stability_api.install(fake_server, reply)

    result = run(fake_server.url)

    assert result.error_kind is ErrorKind.BAD_RESPONSE
    assert KEY not in result.error


def test_server_that_never_answers_times_out_within_budget(fake_server):
    stability_api.install(fake_server, lambda: Reply(hang=True))

    started = time.monotonic()
    result = run(fake_server.url, timeout=1.5)
    elapsed = time.monotonic() - started

    assert result.error_kind is ErrorKind.TIMEOUT
    assert elapsed < 1.5 + 1.0
    assert KEY not in result.error


def test_unreachable_host_is_a_provider_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    result = run(f"http://127.0.0.1:{port}", timeout=2.0)

    assert result.error_kind is ErrorKind.PROVIDER_ERROR
    assert KEY not in result.error


@pytest.mark.parametrize("key", ["", "  ", "N/A"])
def test_missing_key_is_a_configuration_error_and_sends_nothing(fake_server, key):
    stability_api.install(fake_server)
    config = ModelConfig(1, "Stability", "stability", "sd3.5-large", key, fake_server.url)

    result = attempt(get_handler("stability"), config, "a lighthouse", GenerationParams())

    assert result.error_kind is ErrorKind.CONFIGURATION
    assert "MODEL_1_KEY is not set" in result.error
    assert fake_server.requests == []
