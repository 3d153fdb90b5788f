"""The HTTP API end to end through ``lambda_handler``: routing, validation, errors, the job flow,
rate limits, the content filter and enhancement. S3 is moto; models are the local provider."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from PIL import Image

import lambda_function
from bootstrap import build_service
from jobs.dispatch import LambdaDispatcher
from testkit.dispatch import FakeLambda
from testkit.events import http_event

BACKEND = Path(__file__).resolve().parent.parent


def environment(**overrides: str) -> dict[str, str]:
    env = {
        "S3_BUCKET": "test-bucket",
        "CLOUDFRONT_DOMAIN": "d111.cloudfront.net",
        "MODEL_COUNT": "3",
        "MODEL_1_NAME": "Local One",
        "MODEL_1_PROVIDER": "local",
        "MODEL_2_NAME": "Local One",
        "MODEL_2_PROVIDER": "local",
        "MODEL_3_NAME": "Local Three",
        "MODEL_3_PROVIDER": "local",
        "PROMPT_MODEL_INDEX": "1",
        "GLOBAL_LIMIT": "1000",
        "IP_LIMIT": "50",
        "MODEL_TIMEOUT_SECONDS": "10",
    }
    env.update(overrides)
    return env


@pytest.fixture
def s3(moto_s3):
    return moto_s3


@pytest.fixture
def lambda_client():
    return FakeLambda()


@pytest.fixture
def make_app(s3, lambda_client, monkeypatch):
    def build(**overrides: str):
        service = build_service(
            environment(**overrides), dispatcher=LambdaDispatcher(lambda_client, "pixel-prompt-fn")
        )
        monkeypatch.setattr(lambda_function, "_service", service)
        return service.app

    return build


def call(event: dict) -> tuple[int, dict, dict]:
    response = lambda_function.lambda_handler(event, None)
    body = json.loads(response["body"]) if response["body"] else None
    return response["statusCode"], body, response["headers"]


@pytest.fixture
def app(make_app):
    return make_app()


# -- routing and the error shape ------------------------------------------------------------


@pytest.mark.parametrize("version", ["2.0", "1.0"])
@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("GET", "/nowhere", None, 404, "NOT_FOUND"),
        ("GET", "/generate", None, 405, "METHOD_NOT_ALLOWED"),
        ("DELETE", "/status/6f1c3a52-9a57-4d2e-8c9e-2f0f4f5b8a11", None, 405, "METHOD_NOT_ALLOWED"),
        ("POST", "/generate", None, 400, "INVALID_JSON"),
        ("POST", "/generate", "[1, 2]", 400, "INVALID_REQUEST"),
        ("POST", "/generate", "{not json", 400, "INVALID_JSON"),
        ("POST", "/generate", '{"prompt": 42}', 400, "INVALID_REQUEST"),
        ("POST", "/generate", '{"prompt": "   "}', 400, "PROMPT_REQUIRED"),
        ("POST", "/generate", '{"steps": 20}', 400, "PROMPT_REQUIRED"),
        ("POST", "/generate", json.dumps({"prompt": "x" * 1001}), 400, "PROMPT_TOO_LONG"),
        ("POST", "/generate", '{"prompt": "a cat", "steps": 0}', 400, "INVALID_REQUEST"),
        ("POST", "/generate", '{"prompt": "a cat", "steps": 151}', 400, "INVALID_REQUEST"),
        ("POST", "/generate", '{"prompt": "a cat", "steps": 2.5}', 400, "INVALID_REQUEST"),
        ("POST", "/generate", '{"prompt": "a cat", "steps": true}', 400, "INVALID_REQUEST"),
        ("POST", "/generate", '{"prompt": "a cat", "guidance": 31}', 400, "INVALID_REQUEST"),
        ("POST", "/generate", '{"prompt": "a cat", "guidance": "7"}', 400, "INVALID_REQUEST"),
        ("POST", "/generate", '{"prompt": "a cat", "control": -0.1}', 400, "INVALID_REQUEST"),
        ("POST", "/generate", '{"prompt": "a cat", "control": 5.5}', 400, "INVALID_REQUEST"),
        ("GET", "/status/not-a-uuid", None, 400, "INVALID_JOB_ID"),
        ("GET", "/status/..%2F..%2Frate-limit", None, 400, "INVALID_JOB_ID"),
        ("GET", "/status/6f1c3a52-9a57-4d2e-8c9e-2f0f4f5b8a11", None, 404, "JOB_NOT_FOUND"),
        ("POST", "/enhance", '{"prompt": ""}', 400, "PROMPT_REQUIRED"),
        ("GET", "/gallery", None, 200, None),
        ("GET", "/gallery/2026-01-01-00-00-00-abcdef", None, 404, "GALLERY_NOT_FOUND"),
        ("GET", "/gallery/..", None, 400, "INVALID_TARGET"),
    ],
)
def test_every_route_answers_with_the_right_status_and_error_shape(
    app, version, method, path, body, status, code
):
    got_status, got_body, headers = call(http_event(method, path, raw_body=body, version=version))
    assert got_status == status, got_body
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Request-Id"]
    if code:
        assert got_body == {"error": got_body["error"], "code": code}
        assert got_body["error"]
    if status == 405:
        assert "OPTIONS" in headers["Allow"]


@pytest.mark.parametrize("version", ["2.0", "1.0"])
def test_options_answers_with_the_allowed_methods_and_leaves_cors_to_the_host(app, version):
    """API Gateway's CorsConfiguration (deployed) and the local server (locally) own CORS: the
    function adds no CORS header (API Gateway would ignore it). See test_local_server."""
    status, _, headers = call(http_event("OPTIONS", "/generate", version=version))
    assert status == 204
    assert headers["Allow"] == "POST, OPTIONS"
    answers = [
        headers,
        call(http_event("GET", "/gallery", version=version))[2],
        call(http_event("GET", "/nowhere", version=version))[2],
    ]
    for answer in answers:
        assert not [name for name in answer if name.lower().startswith("access-control-")]


def test_stage_prefix_and_base64_bodies_are_understood(app, lambda_client):
    event = http_event("POST", "/generate", {"prompt": "a red fox"}, stage="Prod", base64_body=True)
    status, body, _ = call(event)
    assert status == 202, body


def test_gallery_limit_and_cursor_are_validated(app):
    assert call(http_event("GET", "/gallery", query={"limit": "0"}))[0] == 400
    assert call(http_event("GET", "/gallery", query={"limit": "abc"}))[0] == 400
    status, body, _ = call(http_event("GET", "/gallery", query={"cursor": "%%%"}))
    assert (status, body["code"]) == (400, "INVALID_CURSOR")


@pytest.mark.parametrize("version", ["2.0", "1.0"])
def test_an_unexpected_exception_is_a_500_without_internals(app, monkeypatch, caplog, version):
    def explode(*args, **kwargs):
        raise RuntimeError("secret internals /var/task/x.py")

    monkeypatch.setattr(app.jobs, "current", explode)
    event = http_event("GET", "/status/6f1c3a52-9a57-4d2e-8c9e-2f0f4f5b8a11", version=version)
    status, body, headers = call(event)
    assert status == 500
    assert body["code"] == "INTERNAL_ERROR"
    assert "internals" not in json.dumps(body)
    assert headers["X-Request-Id"] in caplog.text


# -- the job flow ---------------------------------------------------------------------------


def test_generate_answers_at_once_then_the_worker_event_runs_the_job(app, lambda_client, s3):
    started = time.monotonic()
    status, accepted, _ = call(
        http_event(
            "POST", "/generate", {"prompt": "a lighthouse at dusk", "steps": 30, "ip": "1.1.1.1"}
        )
    )
    assert time.monotonic() - started < 1.0
    assert status == 202
    assert accepted["status"] == "pending" and accepted["totalModels"] == 3
    job_id = accepted["jobId"]

    (invoke,) = lambda_client.calls  # exactly one asynchronous self-invocation, job id only
    assert invoke["InvocationType"] == "Event"
    assert json.loads(invoke["Payload"]) == {"action": "run_job", "jobId": job_id}
    _, pending, _ = call(http_event("GET", f"/status/{job_id}"))
    assert pending["status"] == "pending" and pending["completedModels"] == 0

    result = lambda_function.lambda_handler(json.loads(invoke["Payload"]), None)
    assert result["status"] == "completed"

    status, job, _ = call(http_event("GET", f"/status/{job_id}"))
    assert status == 200
    assert job["status"] == "completed" and job["completedModels"] == 3
    assert job["parameters"] == {"steps": 30}
    assert [r["index"] for r in job["results"]] == [1, 2, 3]
    assert len({r["imageKey"] for r in job["results"]}) == 3
    for item in job["results"]:
        assert item["imageUrl"] == f"https://d111.cloudfront.net/{item['imageKey']}"
        data = s3.get_object(Bucket="test-bucket", Key=item["imageKey"])["Body"].read()
        assert Image.open(io.BytesIO(data)).size == (512, 512)
    assert "output" not in json.dumps(job)  # no inline image data in the document

    _, page, _ = call(http_event("GET", "/gallery"))
    (gallery,) = page["galleries"]
    assert gallery["imageCount"] == 3
    status, images, _ = call(http_event("GET", f"/gallery/{gallery['target']}"))
    assert status == 200 and len(images["images"]) == 3
    assert images["jobId"] == job_id  # a reopened generation finds every outcome in its job


def test_a_failed_dispatch_marks_the_job_failed(make_app, lambda_client, s3):
    lambda_client.error = ConnectionError("lambda unavailable")
    make_app()
    status, body, _ = call(http_event("POST", "/generate", {"prompt": "a boat"}))
    assert (status, body["code"]) == (503, "DISPATCH_FAILED")
    listing = s3.list_objects_v2(Bucket="test-bucket", Prefix="jobs/")["Contents"]
    (key,) = [o["Key"] for o in listing if o["Key"].endswith("/status.json")]
    stored = json.loads(s3.get_object(Bucket="test-bucket", Key=key)["Body"].read())
    assert stored["status"] == "failed" and stored["error"]
    # its reservation was released: nothing stays held for a job that never ran
    status, usage, _ = call(http_event("GET", "/usage"))
    assert (status, usage["reservedUsd"], usage["spentUsd"]) == (200, 0.0, 0.0)


def test_no_configured_model_is_a_503(make_app):
    make_app(MODEL_COUNT="0")
    status, body, _ = call(http_event("POST", "/generate", {"prompt": "a boat"}))
    assert (status, body["code"]) == (503, "NO_MODELS")


# -- content filter and rate limits ---------------------------------------------------------


def test_a_blocked_prompt_is_refused_and_creates_no_job(app, lambda_client, s3):
    status, body, _ = call(http_event("POST", "/generate", {"prompt": "a n.u.d.e portrait"}))
    assert (status, body["code"]) == (400, "CONTENT_BLOCKED")
    assert lambda_client.calls == []
    assert "Contents" not in s3.list_objects_v2(Bucket="test-bucket", Prefix="jobs/")


def test_per_ip_limit_gives_429_with_retry_after_and_ignores_a_body_ip(make_app):
    make_app(IP_LIMIT="2")
    for _ in range(2):
        assert call(http_event("POST", "/generate", {"prompt": "a cat", "ip": "9.9.9.9"}))[0] == 202
    status, body, headers = call(
        http_event("POST", "/generate", {"prompt": "a cat", "ip": "8.8.8.8"})
    )
    assert (status, body["code"]) == (429, "RATE_LIMITED")
    assert int(headers["Retry-After"]) >= 1
    assert call(http_event("POST", "/generate", {"prompt": "a cat"}, ip="198.51.100.1"))[0] == 202
    assert call(http_event("POST", "/enhance", {"prompt": "a cat"}))[0] == 429  # enhance spends too


def test_global_limit_and_whitelist(make_app):
    make_app(GLOBAL_LIMIT="2", IP_INCLUDE="192.0.2.10")
    assert call(http_event("POST", "/generate", {"prompt": "a cat"}, ip="192.0.2.1"))[0] == 202
    assert call(http_event("POST", "/generate", {"prompt": "a cat"}, ip="192.0.2.2"))[0] == 202
    assert call(http_event("POST", "/generate", {"prompt": "a cat"}, ip="192.0.2.3"))[0] == 429
    assert call(http_event("POST", "/generate", {"prompt": "a cat"}, ip="192.0.2.10"))[0] == 202


@pytest.mark.parametrize("version", ["2.0", "1.0"])
def test_the_client_ip_comes_from_the_request_context(make_app, version):
    make_app(IP_LIMIT="1")
    assert (
        call(http_event("POST", "/generate", {"prompt": "a"}, ip="10.0.0.1", version=version))[0]
        == 202
    )
    assert (
        call(http_event("POST", "/generate", {"prompt": "a"}, ip="10.0.0.1", version=version))[0]
        == 429
    )
    assert (
        call(http_event("POST", "/generate", {"prompt": "a"}, ip="10.0.0.2", version=version))[0]
        == 202
    )


# -- enhancement ----------------------------------------------------------------------------


def test_enhance_rewrites_with_the_prompt_model(app):
    status, body, _ = call(http_event("POST", "/enhance", {"prompt": "cat"}))
    assert status == 200
    assert body["original"] == "cat"
    assert body["enhanced"].startswith("cat,") and len(body["enhanced"]) > len("cat") * 10
    assert "warning" not in body


def test_enhance_with_a_model_that_cannot_write_text_returns_the_original(make_app):
    make_app(MODEL_1_NAME="Flux Pro", MODEL_1_PROVIDER="bfl", MODEL_1_KEY="bfl-secret-key-123456")
    status, body, _ = call(http_event("POST", "/enhance", {"prompt": "cat"}))
    assert status == 200
    assert body["enhanced"] == "cat" and "cannot write text" in body["warning"]
    assert "bfl-secret-key-123456" not in json.dumps(body)


# -- cold start and the contract --------------------------------------------------------------


def test_importing_the_handler_loads_no_provider_sdk_or_pillow():
    code = (
        "import sys, lambda_function, bootstrap\n"
        "heavy = [m for m in ('openai', 'google.genai', 'PIL') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BACKEND / "src",
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == ""


def test_every_route_is_in_the_openapi_contract_and_back(app):
    spec = yaml.safe_load((BACKEND.parent / "docs" / "openapi.yaml").read_text())
    documented = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    routed = {(route.method, route.template) for route in app.router.routes}
    assert routed == documented
