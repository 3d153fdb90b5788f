"""The whole product through ``lambda_handler``: every provider kind at once, each behind its
local fake server speaking that provider's wire protocol, S3 via moto.

generate -> one async self-invocation -> the worker event runs every model in parallel ->
poll status -> every stored image decodes; one provider failing leaves the others intact.
"""

from __future__ import annotations

import base64
import io
import json
import logging
from contextlib import ExitStack
from datetime import UTC, datetime

import pytest
from PIL import Image

import lambda_function
from bootstrap import build_service
from jobs.dispatch import LambdaDispatcher
from testkit.dispatch import FakeLambda
from testkit.events import http_event
from testkit.fakes import bfl_api, stability_api
from testkit.fakes.bedrock_api import FakeBedrock
from testkit.fakes.google_api import VALID_KEY as GOOGLE_KEY
from testkit.fakes.google_api import FakeGoogle
from testkit.fakes.openai_api import FakeOpenAI
from testkit.fakes.server import FakeServer, Reply

OPENAI_KEY = "sk-openai-secret-000000000000"
STABILITY_KEY = "sk-stability-secret-0000000000"
BFL_KEY = "bfl-secret-key-00000000000000"


@pytest.fixture
def fakes():
    with ExitStack() as stack:
        servers = {
            name: stack.enter_context(FakeServer())
            for name in ("openai", "google", "stability", "bfl", "bedrock")
        }
        yield {
            "openai": FakeOpenAI(servers["openai"]),
            "google": FakeGoogle(servers["google"]),
            "stability": servers["stability"],
            "bfl": bfl_api.FakeBfl(servers["bfl"], statuses=["Pending", "Ready"]).install(),
            "bedrock": FakeBedrock(servers["bedrock"], region="us-west-2"),
            "urls": {name: server.url for name, server in servers.items()},
        }


def provider_environment(urls: dict[str, str]) -> dict[str, str]:
    models = [
        ("GPT Image 2.6", OPENAI_KEY, {"BASE_URL": urls["openai"] + "/v1"}),
        ("Nano Banana 2.1", GOOGLE_KEY, {"BASE_URL": urls["google"]}),
        ("Stable Image Core", STABILITY_KEY, {"BASE_URL": urls["stability"]}),
        ("Flux 2 Pro", BFL_KEY, {"BASE_URL": urls["bfl"]}),
        ("Stable Diffusion 3.5 Large", "N/A", {"BASE_URL": urls["bedrock"]}),
        (
            "My Gateway Model",
            OPENAI_KEY,
            {"BASE_URL": urls["openai"] + "/v1", "MODEL_ID": "gw-image"},
        ),
        ("Local Sketch", "", {"PROVIDER": "local"}),
    ]
    env = {
        "S3_BUCKET": "test-bucket",
        "CLOUDFRONT_DOMAIN": "d111.cloudfront.net",
        "MODEL_COUNT": str(len(models)),
        "PROMPT_MODEL_INDEX": "1",
        "MODEL_TIMEOUT_SECONDS": "10",
    }
    for index, (name, key, extra) in enumerate(models, start=1):
        env[f"MODEL_{index}_NAME"] = name
        env[f"MODEL_{index}_KEY"] = key
        env.update({f"MODEL_{index}_{field}": value for field, value in extra.items()})
    return env


@pytest.fixture
def deployed(fakes, moto_s3, monkeypatch):
    lambda_client = FakeLambda()
    service = build_service(
        provider_environment(fakes["urls"]), dispatcher=LambdaDispatcher(lambda_client, "fn")
    )
    monkeypatch.setattr(lambda_function, "_service", service)
    return lambda_client


def call(event: dict) -> tuple[int, dict]:
    response = lambda_function.lambda_handler(event, None)
    return response["statusCode"], json.loads(response["body"])


def generate_and_run(lambda_client: FakeLambda, prompt: str) -> dict:
    status, accepted = call(
        http_event("POST", "/generate", {"prompt": prompt, "steps": 28, "guidance": 5})
    )
    assert status == 202, accepted
    (invoke,) = lambda_client.calls
    lambda_function.lambda_handler(json.loads(invoke["Payload"]), None)
    status, job = call(http_event("GET", f"/status/{accepted['jobId']}"))
    assert status == 200
    return job


def test_every_provider_produces_a_stored_decodable_image(deployed, fakes, moto_s3):
    stability_api.install(fakes["stability"])
    job = generate_and_run(deployed, "a lighthouse at dusk")

    assert job["status"] == "completed", [(r["model"], r["error"]) for r in job["results"]]
    assert job["completedModels"] == job["totalModels"] == 7
    providers = [r["provider"] for r in job["results"]]
    assert providers == [
        "openai",
        "google_gemini",
        "stability",
        "bfl",
        "bedrock_sd",
        "generic",
        "local",
    ]
    for result in job["results"]:
        body = moto_s3.get_object(Bucket="test-bucket", Key=result["imageKey"])["Body"].read()
        with Image.open(io.BytesIO(body)) as image:
            image.verify()
        assert result["imageUrl"] == f"https://d111.cloudfront.net/{result['imageKey']}"
        assert result["duration"] is not None and result["duration"] >= 0
    assert job["results"][0]["modelId"] == "gpt-image-2.6-flare"
    # What reached the providers: the prompt, each with its own auth.
    sent = {r.json()["model"]: r for r in fakes["openai"].sent("/v1/images/generations")}
    assert set(sent) == {
        "gpt-image-2.6-flare",
        "gw-image",
    }  # the catalogue id, and MODEL_6_MODEL_ID
    assert sent["gpt-image-2.6-flare"].header("authorization") == f"Bearer {OPENAI_KEY}"
    assert sent["gpt-image-2.6-flare"].json()["prompt"] == "a lighthouse at dusk"
    (bedrock_request,) = fakes["bedrock"].requests
    assert bedrock_request.json()["prompt"] == "a lighthouse at dusk"
    # Signed with the default credential chain (the Lambda role; moto's here), never the "key".
    assert bedrock_request.header("authorization").startswith("AWS4-HMAC-SHA256 Credential=")
    assert "N/A" not in bedrock_request.header("authorization")


def test_one_provider_failing_leaves_the_others_and_no_key_anywhere(deployed, fakes, moto_s3):
    stability_api.install(fakes["stability"], reply=stability_api.BAD_KEY)
    fakes["openai"].images = Reply.json(
        {
            "error": {
                "message": f"Incorrect API key provided: {OPENAI_KEY}",
                "type": "invalid_request_error",
                "code": "invalid_api_key",
            }
        },
        status=401,
    )
    job = generate_and_run(deployed, "a red bicycle")

    assert job["status"] == "partial"
    by_provider = {r["provider"]: r for r in job["results"]}
    assert (by_provider["stability"]["status"], by_provider["stability"]["errorKind"]) == (
        "error",
        "auth",
    )
    assert by_provider["openai"]["errorKind"] == "auth"
    assert by_provider["bfl"]["status"] == "completed"
    stored = b"".join(
        moto_s3.get_object(Bucket="test-bucket", Key=o["Key"])["Body"].read()
        for o in moto_s3.list_objects_v2(Bucket="test-bucket")["Contents"]
        if not o["Key"].endswith((".png", ".jpg", ".webp"))
    )
    for key in (OPENAI_KEY, STABILITY_KEY, BFL_KEY, GOOGLE_KEY):
        assert key.encode() not in stored
        assert key not in json.dumps(job)


def test_enhance_uses_the_prompt_models_chat_api(deployed, fakes):
    status, body = call(http_event("POST", "/enhance", {"prompt": "fox"}))
    assert status == 200
    assert body == {"original": "fox", "enhanced": "A watercolor fox in morning mist, soft light."}
    (chat,) = fakes["openai"].sent("/v1/chat/completions")
    assert '"fox"' in chat.json()["messages"][-1]["content"]


def test_enhance_falls_back_to_the_original_when_the_provider_fails(deployed, fakes):
    fakes["openai"].chat = Reply.json(
        {"error": {"message": "boom", "type": "server_error", "code": None}}, status=500
    )
    status, body = call(http_event("POST", "/enhance", {"prompt": "fox"}))
    assert status == 200
    assert body["enhanced"] == "fox" and "unavailable" in body["warning"]


def test_an_enhanced_prompt_that_the_filter_refuses_is_not_returned(deployed, fakes):
    fakes["openai"].chat = fakes["openai"].chat_reply("A fox, fully naked, explicit nsfw scene")
    status, body = call(http_event("POST", "/enhance", {"prompt": "fox"}))
    assert status == 200
    assert body["enhanced"] == "fox" and "content filter" in body["warning"]


# -- no piece of a key anywhere, even when a provider echoes it inside a long error ---------------

LONG_KEY = "sk-proj-Zq8rT2vX9mN4bL7cK1dF6gH3jP0wS5yA"


def key_pieces(key: str, size: int = 12) -> set[str]:
    forms = [key, base64.b64encode(key.encode()).decode(), f"Bearer {key}"]
    return {form[i : i + size] for form in forms for i in range(len(form) - size + 1)}


def test_a_provider_echoing_the_key_in_a_long_error_leaks_no_piece(
    fakes, moto_s3, monkeypatch, caplog
):
    """The message used to be cut to 200 characters before redaction: 35 of 36 characters of a
    key echoed near the cut reached /status."""
    env = provider_environment(fakes["urls"])
    env["MODEL_1_KEY"] = env["MODEL_6_KEY"] = LONG_KEY  # both call the OpenAI fake
    lambda_client = FakeLambda()
    service = build_service(env, dispatcher=LambdaDispatcher(lambda_client, "fn"))
    monkeypatch.setattr(lambda_function, "_service", service)
    encoded = base64.b64encode(LONG_KEY.encode()).decode()
    message = (
        "The request was rejected. " + "x" * 160 + LONG_KEY + " was not accepted; "
        f"header Authorization: Bearer {LONG_KEY}; echo {encoded}; " + "detail " * 40
    )
    fakes["openai"].images = Reply.json(
        {"error": {"message": message, "type": "invalid_request_error", "code": None}},
        status=401,
    )

    with caplog.at_level(logging.INFO):
        job = generate_and_run(lambda_client, "a red bicycle")

    by_index = {r["index"]: r for r in job["results"]}
    assert by_index[1]["errorKind"] == "auth"
    stored = "".join(
        moto_s3.get_object(Bucket="test-bucket", Key=o["Key"])["Body"].read().decode("latin-1")
        for o in moto_s3.list_objects_v2(Bucket="test-bucket")["Contents"]
        if not o["Key"].endswith((".png", ".jpg", ".webp"))
    )
    for name, where in (("status", json.dumps(job)), ("stored", stored), ("logs", caplog.text)):
        leaked = {piece for piece in key_pieces(LONG_KEY) if piece in where}
        assert not leaked, (name, leaked)


# -- retirement is decided when the job runs ------------------------------------------------------


def test_a_container_started_before_a_shutdown_calls_the_successor_on_the_day(
    fakes, moto_s3, monkeypatch
):
    names = ("GPT Image 1.5", "GPT Image 1 Mini", "ChatGPT Image Latest")
    env = {
        "S3_BUCKET": "test-bucket",
        "CLOUDFRONT_DOMAIN": "d111.cloudfront.net",
        "MODEL_COUNT": str(len(names)),
        "MODEL_TIMEOUT_SECONDS": "10",
    }
    for index, name in enumerate(names, start=1):
        env[f"MODEL_{index}_NAME"] = name
        env[f"MODEL_{index}_KEY"] = OPENAI_KEY
        env[f"MODEL_{index}_BASE_URL"] = fakes["urls"]["openai"] + "/v1"
    lambda_client = FakeLambda()
    now = [datetime(2026, 11, 30, 23, 59, 30, tzinfo=UTC)]  # the container starts
    service = build_service(
        env, dispatcher=LambdaDispatcher(lambda_client, "fn"), clock=lambda: now[0]
    )
    monkeypatch.setattr(lambda_function, "_service", service)
    assert {m.model_id for m in service.app.registry.get_all_models()} == {
        "gpt-image-1.5",
        "gpt-image-1-mini",
        "chatgpt-image-latest",
    }

    status, accepted = call(http_event("POST", "/generate", {"prompt": "a lighthouse"}))
    assert status == 202, accepted
    now[0] = datetime(2026, 12, 1, 0, 0, 5, tzinfo=UTC)  # the job's worker runs after midnight
    (invoke,) = lambda_client.calls
    lambda_function.lambda_handler(json.loads(invoke["Payload"]), None)

    sent = [r.json()["model"] for r in fakes["openai"].server.requests]
    assert sent == ["gpt-image-2.6-flare"] * 3
    status, job = call(http_event("GET", f"/status/{accepted['jobId']}"))
    assert job["status"] == "completed"
    assert {r["modelId"] for r in job["results"]} == {"gpt-image-2.6-flare"}
