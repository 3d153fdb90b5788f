"""Bedrock handlers (Nova Canvas, SD 3.5 Large) through real boto3 against a fake Bedrock Runtime.

moto does not implement ``bedrock-runtime`` InvokeModel, so the handler is pointed at
``testkit/fakes/bedrock_api.py`` with ``ModelConfig.base_url`` (boto3 ``endpoint_url``).
"""

from __future__ import annotations

import base64
import socket
import time

import pytest

from models.handlers import get_handler
from models.handlers.bedrock_provider import _client
from models.types import ErrorKind, GenerationParams, ModelConfig
from testkit.fakes.bedrock_api import (
    LEGACY_INACTIVE,
    NO_MODEL_ACCESS,
    NOVA_CANVAS,
    NOVA_INPUT_BLOCKED,
    NOVA_OUTPUT_BLOCKED,
    SD35_LARGE,
    FakeBedrock,
    error_reply,
    model_id_of,
    ok_reply,
    parse_sigv4,
)
from testkit.fakes.server import Reply, png_bytes
from testkit.outcome import Outcome, attempt

SECRETS = (
    "AKIAFAKEBEDROCKKEY01",
    "fAkEsEcReT/0123456789abcdefghijklmnopqrs",
    "FaKeSeSsIoNtOkEn0123",
)


@pytest.fixture(autouse=True)
def _sigv4_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Distinct fake role credentials, so a test can prove they never reach a message."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", SECRETS[0])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRETS[1])
    monkeypatch.setenv("AWS_SESSION_TOKEN", SECRETS[2])
    monkeypatch.delenv("AWS_BEARER_TOKEN_BEDROCK", raising=False)  # Bedrock API keys: not used


def nova(base_url: str, region: str | None = None, model_id: str = NOVA_CANVAS) -> ModelConfig:
    return ModelConfig(1, "Nova Canvas", "bedrock_nova", model_id, "N/A", base_url, region)


def sd(base_url: str, region: str | None = None) -> ModelConfig:
    return ModelConfig(2, "SD 3.5 Large", "bedrock_sd", SD35_LARGE, "N/A", base_url, region)


def run(model: ModelConfig, prompt: str = "a red fox", **params) -> Outcome:
    return attempt(get_handler(model.provider), model, prompt, GenerationParams(**params))


def assert_clean(result: Outcome) -> None:
    assert result.error and "\n" not in result.error
    for secret in (*SECRETS, "N/A"):
        assert secret not in result.error


# --- success -----------------------------------------------------------------------------------


def test_nova_canvas_request_and_image(fake_server) -> None:
    fake = FakeBedrock(fake_server, region="us-east-1", access_key=SECRETS[0])
    result = run(
        nova(fake.endpoint),
        prompt="a lighthouse at dusk",
        guidance=7.5,
    )

    assert result.ok, result.error
    assert result.media_type == "image/png"
    assert result.image == png_bytes()
    [request] = fake.requests
    assert request.method == "POST"
    assert request.path == "/model/amazon.nova-canvas-v1%3A0/invoke"
    assert model_id_of(request) == NOVA_CANVAS
    scope = parse_sigv4(request.header("authorization"))
    assert scope is not None
    assert (scope["key"], scope["region"], scope["service"]) == (SECRETS[0], "us-east-1", "bedrock")
    assert request.header("x-amz-security-token") == SECRETS[2]
    assert request.header("content-type") == "application/json"
    assert request.header("accept") == "application/json"
    assert "attempt=1; max=1" in (request.header("amz-sdk-request") or "")
    assert request.json() == {
        "taskType": "TEXT_IMAGE",
        "textToImageParams": {"text": "a lighthouse at dusk"},
        "imageGenerationConfig": {
            "numberOfImages": 1,
            "height": 1024,
            "width": 1024,
            "cfgScale": 7.5,
            "seed": 0,
        },
    }


def test_nova_defaults_and_clamps(fake_server) -> None:
    fake = FakeBedrock(fake_server)
    result = run(nova(fake.endpoint), prompt="x" * 1500, guidance=30.0)

    assert result.ok, result.error
    body = fake.requests[0].json()
    assert "negativeText" not in body["textToImageParams"]
    assert len(body["textToImageParams"]["text"]) == 1024
    config = body["imageGenerationConfig"]
    assert config["cfgScale"] == 10.0

    assert run(nova(fake.endpoint)).ok
    default = fake.requests[1].json()["imageGenerationConfig"]
    assert (default["width"], default["height"], default["cfgScale"]) == (1024, 1024, 8.0)


def test_sd35_request_and_image(fake_server) -> None:
    fake = FakeBedrock(fake_server, region="us-west-2", access_key=SECRETS[0])
    result = run(sd(fake.endpoint), prompt="a koi pond")

    assert result.ok, result.error
    assert result.media_type == "image/png"
    [request] = fake.requests
    assert request.path == "/model/stability.sd3-5-large-v1%3A0/invoke"
    scope = parse_sigv4(request.header("authorization"))
    assert scope is not None
    assert (scope["region"], scope["service"]) == ("us-west-2", "bedrock")
    assert request.json() == {
        "prompt": "a koi pond",
        "mode": "text-to-image",
        "aspect_ratio": "1:1",
        "output_format": "png",
        "seed": 0,
    }


@pytest.mark.parametrize(
    "model_id", ["stability.stable-image-core-v1:1", "stability.stable-image-ultra-v1:1"]
)
def test_stable_image_core_and_ultra_get_only_their_documented_fields(
    fake_server, model_id: str
) -> None:
    fake = FakeBedrock(fake_server, region="us-west-2")
    model = ModelConfig(2, "Stable Image", "bedrock_sd", model_id, "N/A", fake.endpoint)
    result = run(model, prompt="a koi pond", guidance=5.0, steps=30)

    assert result.ok, result.error
    # AWS documents prompt, aspect_ratio, output_format, seed (and negative_prompt) for these;
    # "mode" is a Stable Diffusion 3.5 field.
    assert fake.requests[0].json() == {
        "prompt": "a koi pond",
        "aspect_ratio": "1:1",
        "output_format": "png",
        "seed": 0,
    }


def test_configured_region_is_signed_and_used(fake_server) -> None:
    fake = FakeBedrock(fake_server, region="eu-west-1")
    result = run(nova(fake.endpoint, region="eu-west-1"))
    assert result.ok, result.error
    assert parse_sigv4(fake.requests[0].header("authorization"))["region"] == "eu-west-1"


def test_clients_are_cached_per_region_endpoint_and_timeout(fake_server) -> None:
    first = _client("us-east-1", fake_server.url, 30.0)
    assert _client("us-east-1", fake_server.url, 30.0) is first
    assert _client("us-west-2", fake_server.url, 30.0) is not first
    assert _client("us-east-1", fake_server.url, 5.0) is not first


# --- errors ------------------------------------------------------------------------------------


def test_unrecognized_credentials_are_auth(fake_server) -> None:
    fake = FakeBedrock(fake_server, access_key="AKIASOMEONEELSE00000")
    result = run(nova(fake.endpoint))
    assert result.error_kind is ErrorKind.AUTH
    assert "security token" in result.error
    assert_clean(result)


@pytest.mark.parametrize(
    ("status", "code", "message", "kind"),
    [
        (
            403,
            "AccessDeniedException",
            "User: arn:aws:sts::123456789012:assumed-role/fn/x is not authorized to perform: "
            "bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/x",
            ErrorKind.AUTH,
        ),
        (429, "ThrottlingException", "Too many requests, please wait.", ErrorKind.RATE_LIMITED),
        (400, "ServiceQuotaExceededException", "Quota exceeded.", ErrorKind.RATE_LIMITED),
        (400, "ValidationException", NOVA_INPUT_BLOCKED, ErrorKind.CONTENT_BLOCKED),
        (408, "ModelTimeoutException", "Model has timed out.", ErrorKind.TIMEOUT),
        (500, "InternalServerException", "Internal server error.", ErrorKind.PROVIDER_ERROR),
        (503, "ServiceUnavailableException", "Service unavailable.", ErrorKind.PROVIDER_ERROR),
        (424, "ModelErrorException", "The model failed.", ErrorKind.PROVIDER_ERROR),
        (400, "ValidationException", "Malformed input request.", ErrorKind.PROVIDER_ERROR),
        (502, "BadGateway", "upstream", ErrorKind.PROVIDER_ERROR),
    ],
)
def test_error_codes_map_to_kinds(fake_server, status, code, message, kind) -> None:
    fake = FakeBedrock(fake_server)
    fake.script(error_reply(status, code, message))
    started = time.monotonic()
    result = run(nova(fake.endpoint))

    assert result.error_kind is kind, result.error
    assert code in result.error
    assert_clean(result)
    assert len(fake.requests) == 1  # no SDK retries: the budget is the executor's
    assert time.monotonic() - started < 5


def test_model_access_not_enabled_is_configuration(fake_server) -> None:
    fake = FakeBedrock(fake_server, region="us-west-2")
    fake.script(error_reply(403, "AccessDeniedException", NO_MODEL_ACCESS))
    result = run(sd(fake.endpoint))
    assert result.error_kind is ErrorKind.CONFIGURATION
    assert "Bedrock console in us-west-2" in result.error
    assert SD35_LARGE in result.error


def test_legacy_model_is_configuration(fake_server) -> None:
    fake = FakeBedrock(fake_server)
    fake.script(error_reply(404, "ResourceNotFoundException", LEGACY_INACTIVE))
    result = run(nova(fake.endpoint))
    assert result.error_kind is ErrorKind.CONFIGURATION
    assert "Legacy or retired" in result.error


def test_unknown_model_id_is_configuration(fake_server) -> None:
    fake = FakeBedrock(fake_server)
    result = run(nova(fake.endpoint, model_id="amazon.nova-canvas-v9:0"))
    assert result.error_kind is ErrorKind.CONFIGURATION
    assert "model identifier is invalid" in result.error


def test_nova_output_blocked_is_content_blocked(fake_server) -> None:
    fake = FakeBedrock(fake_server)
    fake.script(ok_reply({"images": [], "error": NOVA_OUTPUT_BLOCKED}))
    result = run(nova(fake.endpoint))
    assert result.error_kind is ErrorKind.CONTENT_BLOCKED
    assert "content filters" in result.error


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("Filter reason: prompt", ErrorKind.CONTENT_BLOCKED),
        ("Filter reason: output image", ErrorKind.CONTENT_BLOCKED),
        ("Inference error", ErrorKind.PROVIDER_ERROR),
    ],
)
def test_sd35_finish_reasons(fake_server, reason: str, kind: ErrorKind) -> None:
    fake = FakeBedrock(fake_server, region="us-west-2")
    fake.script(ok_reply({"seeds": [1], "finish_reasons": [reason], "images": []}))
    result = run(sd(fake.endpoint))
    assert result.error_kind is kind
    assert reason in result.error


@pytest.mark.parametrize(
    "reply",
    [
        Reply(200, b"<html>not json</html>", {"Content-Type": "application/json"}),
        ok_reply({"seeds": [1], "finish_reasons": [None]}),
        ok_reply({"images": ["***not base64***"]}),
        ok_reply({"images": [base64.b64encode(b"definitely not an image").decode()]}),
        ok_reply({"images": [{"url": "x"}]}),
    ],
    ids=["not-json", "no-images", "not-base64", "not-an-image", "wrong-type"],
)
def test_malformed_responses_are_bad_response(fake_server, reply: Reply) -> None:
    fake = FakeBedrock(fake_server, region="us-west-2")
    fake.script(reply)
    result = run(sd(fake.endpoint))
    assert result.error_kind is ErrorKind.BAD_RESPONSE, result.error


def test_server_that_never_answers_times_out_within_budget(fake_server) -> None:
    fake = FakeBedrock(fake_server)
    fake.script(Reply(hang=True))
    started = time.monotonic()
    result = run(nova(fake.endpoint), timeout=1.5)
    elapsed = time.monotonic() - started

    assert result.error_kind is ErrorKind.TIMEOUT, result.error
    assert elapsed < 1.5 + 1.0
    assert len(fake.requests) == 1
    assert_clean(result)


def test_unreachable_endpoint_is_provider_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run(nova(f"http://127.0.0.1:{port}"), timeout=3)
    assert result.error_kind is ErrorKind.PROVIDER_ERROR, result.error
    assert_clean(result)


def test_invalid_region_is_configuration(fake_server) -> None:
    result = run(nova(fake_server.url, region="not a region!"))
    assert result.error_kind is ErrorKind.CONFIGURATION, result.error
    assert fake_server.requests == []
