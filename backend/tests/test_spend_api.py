"""Spend control through the HTTP app, on S3 (moto) and on the local store: the daily ceiling
under concurrency, costs on results, /usage, Idempotency-Key and cancellation."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from bootstrap import build_service
from jobs.dispatch import ThreadDispatcher
from jobs.document import iso
from jobs.manager import job_key
from models.types import ErrorKind, GeneratedImage, ProviderError
from testkit.dispatch import RecordingDispatcher
from testkit.events import http_event

JOB_ID = "6f1c3a52-9a57-4d2e-8c9e-2f0f4f5b8a11"


def png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "navy").save(buffer, "PNG")
    return buffer.getvalue()


class Gate:
    """A model handler: model 1 answers at once; the others wait until ``release``."""

    def __init__(self) -> None:
        self.released = threading.Event()
        self.late_answers = 0

    def __call__(self, model, prompt, params):
        if model.index != 1:
            self.released.wait(15)
            self.late_answers += 1
        return GeneratedImage(png(), "image/png")


@pytest.fixture(params=["s3", "local"])
def make(request, tmp_path):
    """``make(handler=None, **env)`` -> (app, call, store); models: three local models priced
    $0.10, $0.20 and $0.30 through MODEL_N_PRICE_USD. With a handler the jobs really run
    (on threads), else they stay pending."""

    def build(handler=None, **overrides: str):
        env = {
            "MODEL_COUNT": "3",
            "GLOBAL_LIMIT": "100000",
            "IP_LIMIT": "100000",
            "MODEL_TIMEOUT_SECONDS": "10",
        }
        for index, price in ((1, "0.10"), (2, "0.20"), (3, "0.30")):
            env[f"MODEL_{index}_NAME"] = f"Local {index}"
            env[f"MODEL_{index}_PROVIDER"] = "local"
            env[f"MODEL_{index}_PRICE_USD"] = price
        if request.param == "s3":
            request.getfixturevalue("moto_s3")
            env.update(S3_BUCKET="test-bucket", CLOUDFRONT_DOMAIN="d111.cloudfront.net")
        else:
            env.update(DATA_DIR=str(tmp_path / "data"), PUBLIC_BASE_URL="http://127.0.0.1:1")
        env.update(overrides)
        holder: dict = {}
        if handler is None:
            service = build_service(env, dispatcher=RecordingDispatcher())
        else:
            dispatcher = ThreadDispatcher(lambda job_id: holder["service"].worker.run(job_id), 10)
            service = build_service(
                env, dispatcher=dispatcher, handler_for=lambda _provider: handler
            )
        holder["service"] = service
        app = service.app
        app.worker = service.worker  # for the tests that play a late worker

        def call(method, path, body=None, **kwargs):
            response = app.handle_http(http_event(method, path, body, **kwargs))
            parsed = json.loads(response["body"]) if response["body"] else None
            return response["statusCode"], parsed, response["headers"]

        return app, call, app.jobs._store

    return build


def stored_jobs(store) -> list[str]:
    return [k for k in store.list("jobs/").keys if k.endswith("/status.json")]


def wait_for(call, job_id: str, statuses: set[str], within: float = 10.0) -> dict:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        _, job, _ = call("GET", f"/status/{job_id}")
        if job["status"] in statuses:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} is still {job['status']}")


def settled_usage(call, within: float = 5.0) -> dict:
    """/usage once nothing is reserved: the worker settles just after the job's last save."""
    deadline = time.monotonic() + within
    while True:
        usage = call("GET", "/usage")[1]
        if usage["reservedUsd"] == 0 or time.monotonic() > deadline:
            return usage
        time.sleep(0.02)


# -- the daily ceiling ----------------------------------------------------------------------------


def test_thirty_simultaneous_ten_cent_jobs_under_a_dollar_admit_ten(make):
    _app, call, store = make(
        MODEL_COUNT="1",
        DAILY_SPEND_LIMIT_USD="1.00",
        MODEL_2_NAME="",
        MODEL_3_NAME="",
        # the rate limiter's own contention is another issue's subject: leave it out of this one
        IP_INCLUDE=",".join(f"10.0.0.{i}" for i in range(30)),
    )
    barrier = threading.Barrier(30)
    answers: list = []

    def one(i: int) -> None:
        barrier.wait()
        answers.append(call("POST", "/generate", {"prompt": f"a lighthouse {i}"}, ip=f"10.0.0.{i}"))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _, _ in answers)
    assert statuses.count(202) == 10 and statuses.count(429) == 20
    refused = [(body, headers) for status, body, headers in answers if status == 429]
    assert {body["code"] for body, _ in refused} == {"SPEND_LIMIT_REACHED"}
    now = datetime.now(UTC)
    midnight = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
    for _, headers in refused:
        assert abs(int(headers["Retry-After"]) - (midnight - now).total_seconds()) < 30
    assert len(stored_jobs(store)) == 10  # a refused request creates no job
    _, usage, _ = call("GET", "/usage")
    assert (usage["reservedUsd"], usage["spentUsd"], usage["limitUsd"]) == (1.0, 0.0, 1.0)


def test_usage_without_a_ceiling(make):
    _, call, _ = make()
    status, usage, _ = call("GET", "/usage")
    assert status == 200
    assert usage == {
        "date": f"{datetime.now(UTC):%Y-%m-%d}",
        "spentUsd": 0.0,
        "reservedUsd": 0.0,
        "limitUsd": None,
    }
    call("POST", "/generate", {"prompt": "a fox"})
    assert call("GET", "/usage")[1]["reservedUsd"] == 0.6


def test_a_finished_job_costs_its_completed_models_and_releases_the_rest(make):
    def handler(model, prompt, params):
        if model.index == 3:
            raise ProviderError(ErrorKind.AUTH, "bad key")
        return GeneratedImage(png(), "image/png")

    _app, call, store = make(handler=handler, DAILY_SPEND_LIMIT_USD="5")
    status, body, _ = call("POST", "/generate", {"prompt": "a heron"})
    assert status == 202
    job = wait_for(call, body["jobId"], {"partial"})
    assert [r["costUsd"] for r in job["results"]] == [0.1, 0.2, 0.0]
    assert (job["costUsd"], job["estimatedCostUsd"]) == (0.3, 0.6)
    assert "reservation" not in job
    usage = settled_usage(call)
    assert (usage["spentUsd"], usage["reservedUsd"]) == (0.3, 0.0)
    manifest = json.loads(store.get(f"group-images/{job['target']}/images.json").data)
    assert (manifest["costUsd"], manifest["estimatedCostUsd"]) == (0.3, 0.6)
    assert [image["costUsd"] for image in manifest["images"]] == [0.1, 0.2]


def test_a_job_whose_worker_died_releases_its_reservation(make):
    app, call, store = make()
    _, body, _ = call("POST", "/generate", {"prompt": "a moth"})
    job = app.jobs.get(body["jobId"])  # a worker took it ...
    job.status = "in_progress"
    job.results[0].status, job.results[0].costUsd = "completed", 0.1
    job.results[1].status = job.results[2].status = "in_progress"
    died = datetime.now(UTC) - timedelta(seconds=120)  # ... and then died: its lease ran out
    job.updatedAt, job.staleAfter = iso(died), iso(died + timedelta(seconds=app.jobs.lease))
    store.put(job_key(job.jobId), json.dumps(job.to_dict()).encode(), "application/json")
    assert call("GET", "/usage")[1]["reservedUsd"] == 0.6
    for _ in range(3):  # every poll reports it ended; the ledger is settled once
        _, reported, _ = call("GET", f"/status/{job.jobId}")
        assert reported["status"] == "partial" or reported["status"] == "failed"
    _, usage, _ = call("GET", "/usage")
    assert (usage["reservedUsd"], usage["spentUsd"]) == (0.0, 0.1)


# -- Idempotency-Key ------------------------------------------------------------------------------


def test_same_key_same_body_is_one_job_with_no_new_reservation_or_count(make):
    _app, call, store = make(IP_LIMIT="1", DAILY_SPEND_LIMIT_USD="5")
    key = {"Idempotency-Key": "order-7f3a"}
    first = call("POST", "/generate", {"prompt": "a kite", "steps": 20}, headers=key)
    assert first[0] == 202
    # the same body spelt differently is the same request
    again = call("POST", "/generate", raw_body='{"steps":20,"prompt":"a kite"}', headers=key)
    assert again[0] == 200 and again[1]["jobId"] == first[1]["jobId"]
    assert again[2]["Idempotent-Replayed"] == "true"
    assert len(stored_jobs(store)) == 1
    assert call("GET", "/usage")[1]["reservedUsd"] == 0.6
    # IP_LIMIT=1 was used once, by the first request only: another request is refused
    assert call("POST", "/generate", {"prompt": "a kite"})[1]["code"] == "RATE_LIMITED"


def test_same_key_other_body_is_409(make):
    _, call, store = make()
    key = {"Idempotency-Key": "k-1"}
    assert call("POST", "/generate", {"prompt": "a kite"}, headers=key)[0] == 202
    status, body, _ = call("POST", "/generate", {"prompt": "a kite", "steps": 5}, headers=key)
    assert (status, body["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    assert len(stored_jobs(store)) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "caf\u00e9"])
def test_malformed_keys_are_400(make, key):
    _, call, store = make()
    status, body, _ = call(
        "POST", "/generate", {"prompt": "a kite"}, headers={"Idempotency-Key": key}
    )
    assert (status, body["code"]) == (400, "INVALID_IDEMPOTENCY_KEY")
    assert stored_jobs(store) == []


def test_longest_key_is_accepted(make):
    _, call, _ = make()
    key = {"Idempotency-Key": "~" * 255}
    assert call("POST", "/generate", {"prompt": "a kite"}, headers=key)[0] == 202


def test_identical_requests_at_the_same_instant_create_one_job(make):
    _app, call, store = make(DAILY_SPEND_LIMIT_USD="5")
    barrier = threading.Barrier(8)
    answers: list = []

    def one() -> None:
        barrier.wait()
        answers.append(
            call("POST", "/generate", {"prompt": "twin"}, headers={"Idempotency-Key": "same"})
        )

    threads = [threading.Thread(target=one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a[0] for a in answers) == [200] * 7 + [202]
    assert len({a[1]["jobId"] for a in answers}) == 1
    assert len(stored_jobs(store)) == 1
    assert call("GET", "/usage")[1]["reservedUsd"] == 0.6


def test_a_refused_request_frees_its_key(make):
    _, call, store = make(DAILY_SPEND_LIMIT_USD="0.5")  # a job costs 0.6
    key = {"Idempotency-Key": "retry-me"}
    assert call("POST", "/generate", {"prompt": "a kite"}, headers=key)[1]["code"] == (
        "SPEND_LIMIT_REACHED"
    )
    assert stored_jobs(store) == []
    _status, body, _ = call("POST", "/generate", {"prompt": "a kite"}, headers=key)
    assert body["code"] == "SPEND_LIMIT_REACHED"  # decided again, not replayed


# -- cancellation ---------------------------------------------------------------------------------


def test_cancel_keeps_finished_results_and_releases_the_rest(make):
    gate = Gate()
    _app, call, _store = make(handler=gate, DAILY_SPEND_LIMIT_USD="5")
    _, body, _ = call("POST", "/generate", {"prompt": "a harbour"})
    job_id = body["jobId"]
    running = wait_for(call, job_id, {"in_progress"})
    deadline = time.monotonic() + 5
    while running["results"][0]["status"] != "completed" and time.monotonic() < deadline:
        running = call("GET", f"/status/{job_id}")[1]
    assert running["results"][0]["status"] == "completed"
    asked = time.monotonic()
    status, answer, _ = call("POST", f"/jobs/{job_id}/cancel")
    assert (status, answer) == (202, {"jobId": job_id, "status": "cancelling"})
    job = wait_for(call, job_id, {"cancelled"}, within=5)
    assert time.monotonic() - asked < 5
    assert [r["status"] for r in job["results"]] == ["completed", "cancelled", "cancelled"]
    assert [r["costUsd"] for r in job["results"]] == [0.1, 0.0, 0.0]
    assert job["costUsd"] == 0.1
    usage = settled_usage(call)
    assert (usage["spentUsd"], usage["reservedUsd"]) == (0.1, 0.0)
    gate.released.set()  # the stuck models answer late: ignored
    deadline = time.monotonic() + 5
    while gate.late_answers < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    assert call("GET", f"/status/{job_id}")[1]["results"] == job["results"]
    status, body, _ = call("POST", f"/jobs/{job_id}/cancel")
    assert (status, body["code"]) == (409, "JOB_ALREADY_FINISHED")


def test_cancel_a_pending_job_at_once(make):
    app, call, _store = make(DAILY_SPEND_LIMIT_USD="5")
    _, body, _ = call("POST", "/generate", {"prompt": "a quay"})
    status, answer, _ = call("POST", f"/jobs/{body['jobId']}/cancel")
    assert (status, answer["status"]) == (202, "cancelled")
    job = call("GET", f"/status/{body['jobId']}")[1]
    assert job["status"] == "cancelled" and job["costUsd"] == 0.0
    assert {r["status"] for r in job["results"]} == {"cancelled"}
    assert call("GET", "/usage")[1]["reservedUsd"] == 0.0
    assert app.worker.run(body["jobId"])["status"] == "cancelled"  # a late worker does nothing


def test_cancel_a_finished_or_unknown_job(make):
    _, call, _ = make()
    status, body, _ = call("POST", f"/jobs/{JOB_ID}/cancel")
    assert (status, body["code"]) == (404, "JOB_NOT_FOUND")
    status, body, _ = call("POST", "/jobs/not-a-uuid/cancel")
    assert (status, body["code"]) == (400, "INVALID_JOB_ID")
    status, body, _ = call("GET", f"/jobs/{JOB_ID}/cancel")
    assert status == 405
