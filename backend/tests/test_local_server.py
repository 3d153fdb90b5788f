"""The local server: same handler as Lambda, TCP peer as client IP, images as CloudFront would."""

from __future__ import annotations

import io
import time

import requests
from PIL import Image

from local_server import load_dotenv, local_environment


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
