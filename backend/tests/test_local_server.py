"""The local server: same handler as Lambda, TCP peer as client IP, images as CloudFront would."""

from __future__ import annotations

import http.client
import io
import json
import time
from pathlib import Path

import pytest
import requests
from PIL import Image

import local_server
from bootstrap import build_app
from local_server import (
    load_dotenv,
    local_environment,
    preview_delay,
    preview_handler_for,
)
from models.handlers import get_handler
from models.types import GenerationParams, ModelConfig
from testkit.events import http_event


def wait_for_job(base: str, job_id: str) -> dict:
    for _ in range(100):
        job = requests.get(f"{base}/status/{job_id}", timeout=5).json()
        if job["status"] in ("completed", "partial", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_a_job_runs_in_the_background_and_its_images_are_served(local_api):
    accepted = requests.post(f"{local_api}/generate", json={"prompt": "a red kite"}, timeout=5)
    assert accepted.status_code == 202
    job = wait_for_job(local_api, accepted.json()["jobId"])
    assert job["status"] == "completed" and job["totalModels"] == 3
    image = requests.get(job["results"][0]["imageUrl"], timeout=5)
    assert image.headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(image.content)).size == (512, 512)
    job_doc = requests.get(f"{local_api}/images/jobs/{job['jobId']}/status.json", timeout=5)
    assert job_doc.status_code == 404  # only group-images/ is served, as through CloudFront


def test_x_forwarded_for_is_not_trusted(serve_locally):
    base = serve_locally(IP_LIMIT="1")
    answers = [
        requests.post(
            f"{base}/generate",
            json={"prompt": "a"},
            headers={"X-Forwarded-For": spoofed},
            timeout=5,
        ).status_code
        for spoofed in ("1.1.1.1", "2.2.2.2")
    ]
    assert answers == [202, 429]  # both count against the TCP peer, 127.0.0.1


def test_unknown_methods_reach_the_router(local_api):
    response = requests.request("TRACE", f"{local_api}/generate", timeout=5)
    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"


def test_dotenv_fills_only_what_is_unset(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("# comment\nPORT=9000\nMODEL_1_NAME='GPT Image 2.6'\nIP_LIMIT=5\n")
    environ = {"IP_LIMIT": "7"}
    load_dotenv(dotenv, environ)
    assert environ == {"IP_LIMIT": "7", "PORT": "9000", "MODEL_1_NAME": "GPT Image 2.6"}


def test_without_models_the_local_preview_models_are_configured():
    environ = local_environment({}, dotenv=None)
    assert environ["MODEL_COUNT"] == "3"
    assert {environ[f"MODEL_{i}_PROVIDER"] for i in (1, 2, 3)} == {"local"}
    assert environ["PUBLIC_BASE_URL"] == "http://127.0.0.1:8000"


# -- the built web client ------------------------------------------------------------------


@pytest.fixture
def built_client(tmp_path, monkeypatch) -> Path:
    """A stand-in ``frontend/dist`` with a secret file beside it that must never be served."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>Pixel Prompt</title>")
    (dist / "assets" / "index-3f9a1c.js").write_text("console.log(1)")
    (dist / "assets" / "index-77b2e0.css").write_text("body{}")
    (dist / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("do not serve")
    monkeypatch.setattr(local_server, "FRONTEND_DIST", dist)
    return dist


def test_the_page_is_served_at_the_root_with_or_without_a_query(built_client, local_api):
    for url in (f"{local_api}/", f"{local_api}/?job=6f1c3a52-0000-4000-8000-000000000000"):
        page = requests.get(url, timeout=5)
        assert page.status_code == 200
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert page.headers["Cache-Control"] == "no-cache"
        assert "<title>Pixel Prompt</title>" in page.text


def test_hashed_assets_are_served_with_their_types_and_cached_for_good(built_client, local_api):
    script = requests.get(f"{local_api}/assets/index-3f9a1c.js", timeout=5)
    assert script.status_code == 200 and script.text == "console.log(1)"
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert script.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    style = requests.get(f"{local_api}/assets/index-77b2e0.css", timeout=5)
    assert style.headers["Content-Type"] == "text/css; charset=utf-8"
    icon = requests.get(f"{local_api}/favicon.svg", timeout=5)
    assert icon.headers["Content-Type"] == "image/svg+xml"
    assert icon.headers["Cache-Control"] == "no-cache"
    head = requests.head(f"{local_api}/assets/index-3f9a1c.js", timeout=5)
    assert head.status_code == 200 and head.headers["Content-Length"] == "14"
    assert head.content == b""


@pytest.mark.parametrize(
    "path", ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt", "/a%00b"]
)
def test_nothing_outside_the_build_is_served(built_client, local_api, path):
    connection = http.client.HTTPConnection(local_api.removeprefix("http://"), timeout=5)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status == 404
    assert b"do not serve" not in body
    assert json.loads(body)["code"] == "NOT_FOUND"  # the API's answer for an unknown route


def test_the_api_routes_answer_as_before_beside_the_client(built_client, local_api):
    (built_client / "gallery").write_text("a file named like a route is not served")
    gallery = requests.get(f"{local_api}/gallery", timeout=5)
    assert gallery.status_code == 200 and gallery.json() == {"galleries": [], "nextCursor": None}
    assert requests.get(f"{local_api}/status/nope", timeout=5).json()["code"] == "INVALID_JOB_ID"
    missing = requests.get(f"{local_api}/no-such-file.js", timeout=5)
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"
    assert requests.post(f"{local_api}/", timeout=5).status_code == 404


def test_without_a_build_the_root_says_how_to_build_it(tmp_path, monkeypatch, local_api):
    monkeypatch.setattr(local_server, "FRONTEND_DIST", tmp_path / "absent")
    page = requests.get(f"{local_api}/", timeout=5)
    assert page.status_code == 404
    assert page.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "run `make dev`" in page.text


# -- the preview delay ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, 1.5),
        ({"LOCAL_PREVIEW_DELAY_SECONDS": "0"}, 0.0),
        ({"LOCAL_PREVIEW_DELAY_SECONDS": "2"}, 2.0),
    ],
)
def test_the_preview_delay_defaults_to_one_and_a_half_seconds(environ, expected):
    assert preview_delay(environ) == expected


@pytest.mark.parametrize("raw", ["soon", "-1", "nan", "inf", ""])
def test_a_bad_preview_delay_is_refused_with_the_variable_named(raw):
    with pytest.raises(ValueError, match="LOCAL_PREVIEW_DELAY_SECONDS"):
        preview_delay({"LOCAL_PREVIEW_DELAY_SECONDS": raw})


def test_preview_model_k_waits_k_delays_and_other_providers_are_untouched():
    slept: list[float] = []
    handler_for = preview_handler_for(0.5, sleep=slept.append)
    second = ModelConfig(index=2, name="Local Preview Dusk", provider="local", model_id="local")
    assert handler_for("local")(second, "a red kite", GenerationParams()).media_type == "image/png"
    assert slept == [1.0]
    assert handler_for("openai") is get_handler("openai")
    assert preview_handler_for(0)("local") is get_handler("local")


def test_with_a_delay_the_preview_cards_finish_one_after_another(tmp_path):
    environ = local_environment({"DATA_DIR": str(tmp_path)}, dotenv=None)
    app = build_app(environ, handler_for=preview_handler_for(0.1))
    accepted = app.handle_http(http_event("POST", "/generate", {"prompt": "a red kite"}))
    job_id = json.loads(accepted["body"])["jobId"]
    for _ in range(200):
        job = json.loads(app.handle_http(http_event("GET", f"/status/{job_id}"))["body"])
        if job["status"] in ("completed", "partial", "failed"):
            break
        time.sleep(0.05)
    assert job["status"] == "completed"
    results = sorted(job["results"], key=lambda r: r["index"])
    assert [r["duration"] >= 0.1 * r["index"] for r in results] == [True, True, True]
    finished = [r["completedAt"] for r in results]
    assert finished == sorted(finished)


def test_the_local_server_owns_cors_and_answers_preflights(local_api):
    preflight = requests.options(
        f"{local_api}/generate",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
        timeout=5,
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    answer = requests.get(f"{local_api}/gallery", timeout=5)
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Request-Id" in answer.headers["Access-Control-Expose-Headers"]


def test_the_local_cors_headers_are_the_deployed_ones():
    """Deployed, API Gateway's CorsConfiguration adds them; locally the server must agree."""
    from cfnlint.decode import decode

    template, _ = decode(str(Path(local_server.__file__).parent / "template.yaml"))
    assert template is not None
    cors = template["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"]

    def names(header: str) -> set[str]:
        return {part.strip() for part in local_server.CORS_HEADERS[header].split(",")}

    assert names("Access-Control-Allow-Origin") == set(cors["AllowOrigins"])
    assert names("Access-Control-Allow-Methods") == set(cors["AllowMethods"])
    assert names("Access-Control-Allow-Headers") == set(cors["AllowHeaders"])
    assert names("Access-Control-Expose-Headers") == set(cors["ExposeHeaders"])
    assert local_server.CORS_HEADERS["Access-Control-Max-Age"] == str(cors["MaxAge"])
