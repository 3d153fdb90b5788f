"""The whole product through ``lambda_handler``: every provider kind at once, each behind its
local fake server speaking that provider's wire protocol, S3 via moto.

generate -> one async self-invocation -> the worker event runs every model in parallel ->
poll status -> every stored image decodes; one provider failing leaves the others intact.
"""

from __future__ import annotations

import io
import json
from contextlib import ExitStack

import pytest
from PIL import Image

import lambda_function
from bootstrap import build_service
from jobs.dispatch import LambdaDispatcher
from testkit.events import http_event
from testkit.fakes import bfl_api, stability_api
from testkit.fakes.bedrock_api import FakeBedrock
from testkit.fakes.google_api import VALID_KEY as GOOGLE_KEY
from testkit.fakes.google_api import FakeGoogle
from testkit.fakes.openai_api import FakeOpenAI
from testkit.fakes.server import FakeServer, Reply
from tests.test_api import RecordingLambda

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
    lambda_client = RecordingLambda()
    service = build_service(
        provider_environment(fakes["urls"]), dispatcher=LambdaDispatcher(lambda_client, "fn")
    )
    monkeypatch.setattr(lambda_function, "_service", service)
    return lambda_client


def call(event: dict) -> tuple[int, dict]:
    response = lambda_function.lambda_handler(event, None)
    return response["statusCode"], json.loads(response["body"])


def generate_and_run(lambda_client: RecordingLambda, prompt: str) -> dict:
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
