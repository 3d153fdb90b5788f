"""A worker invocation that fails ends its job, through Lambda's on-failure destination.

The record is the one Lambda sends to an on-failure destination, in the documented shape:
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
The job lives in moto S3; the API function's entry point receives the record.
"""

from __future__ import annotations

import json

import pytest

import lambda_function
from bootstrap import build_service
from jobs.dispatch import LambdaDispatcher
from jobs.failure import failed_invocation
from testkit.dispatch import FakeLambda
from testkit.events import http_event

WORKER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:stack-worker:$LATEST"


def failure_record(job_id: str, condition: str = "RetriesExhausted") -> dict:
    record = {
        "version": "1.0",
        "timestamp": "2026-11-30T10:00:00.000Z",
        "requestContext": {
            "requestId": "e4b46cbf-b738-xmpl-8880-a18cdf61200e",
            "functionArn": WORKER_ARN,
            "condition": condition,
            "approximateInvokeCount": 1,
        },
        "requestPayload": {"action": "run_job", "jobId": job_id},
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
    }
    if condition == "RetriesExhausted":
        record["responseContext"]["functionError"] = "Unhandled"
        record["responsePayload"] = {
            "errorMessage": "2026-11-30T10:15:00.000Z Task timed out after 900.00 seconds",
            "errorType": "Sandbox.Timedout",
        }
    return record


@pytest.fixture
def api(moto_s3, monkeypatch):
    """The API function's entry point around moto S3; returns the recorded worker invokes."""
    lambda_client = FakeLambda()
    service = build_service(
        {
            "S3_BUCKET": "test-bucket",
            "MODEL_1_NAME": "Local One",
            "MODEL_1_PROVIDER": "local",
            "MODEL_2_NAME": "Local Two",
            "MODEL_2_PROVIDER": "local",
        },
        dispatcher=LambdaDispatcher(lambda_client, "stack-worker"),
    )
    monkeypatch.setattr(lambda_function, "_service", service)
    return lambda_client


def call(event: dict) -> dict:
    response = lambda_function.lambda_handler(event, None)
    return json.loads(response["body"])


def start_job() -> str:
    return call(http_event("POST", "/generate", {"prompt": "a lighthouse at dusk"}))["jobId"]


@pytest.mark.parametrize(
    ("condition", "reason"),
    [("RetriesExhausted", "worker stopped"), ("EventAgeExceeded", "waited too long")],
)
def test_a_failed_worker_invocation_ends_its_job(api, condition, reason):
    job_id = start_job()
    assert call(http_event("GET", f"/status/{job_id}"))["status"] == "pending"

    result = lambda_function.lambda_handler(failure_record(job_id, condition), None)
    assert result == {"jobId": job_id, "status": "failed"}

    job = call(http_event("GET", f"/status/{job_id}"))
    assert job["status"] == "failed" and reason in job["error"]
    assert [(r["status"], r["errorKind"]) for r in job["results"]] == [("error", "timeout")] * 2
    assert all(reason in r["error"] for r in job["results"])
    # Nothing internal reaches the client: not the condition, not the worker's error.
    assert "Sandbox" not in json.dumps(job) and condition not in json.dumps(job)


def test_a_finished_job_is_left_alone(api):
    job_id = start_job()
    (invoke,) = api.calls
    assert lambda_function.lambda_handler(json.loads(invoke["Payload"]), None)["status"] == (
        "completed"
    )
    result = lambda_function.lambda_handler(failure_record(job_id), None)
    assert result == {"jobId": job_id, "status": "unchanged"}
    assert call(http_event("GET", f"/status/{job_id}"))["status"] == "completed"


def test_models_that_finished_before_the_worker_died_keep_their_images(api):
    job_id = start_job()
    service = lambda_function._service
    assert service is not None
    app = service.app
    read = app.jobs.read(job_id)
    assert read is not None
    job = read.job
    job.status = "in_progress"
    job.results[0].status = "completed"
    job.results[0].imageKey = "group-images/t/01-local-one-1.png"
    job.results[0].completedAt = job.createdAt
    job.results[1].status = "in_progress"
    app.jobs.save_snapshot(job_id, app.jobs.snapshot(job), read.etag)

    result = lambda_function.lambda_handler(failure_record(job_id), None)
    assert result == {"jobId": job_id, "status": "partial"}
    ended = call(http_event("GET", f"/status/{job_id}"))
    assert ended["status"] == "partial"
    assert [r["status"] for r in ended["results"]] == ["completed", "error"]
    assert ended["results"][0]["imageKey"] == "group-images/t/01-local-one-1.png"
    (gallery,) = call(http_event("GET", "/gallery"))["galleries"]  # recorded by the end hooks
    assert gallery["imageCount"] == 1


def test_a_record_for_an_unknown_or_malformed_job_changes_nothing(api, moto_s3):
    for job_id in ("8c3e9a52-5d0f-4b7e-9a51-2f7d3c1b0e44", "../../etc", ""):
        result = lambda_function.lambda_handler(failure_record(job_id), None)
        assert result["status"] == "unchanged"
    assert "Contents" not in moto_s3.list_objects_v2(Bucket="test-bucket", Prefix="jobs/")


@pytest.mark.parametrize(
    "event",
    [
        http_event("GET", "/status/x"),
        {"action": "run_job", "jobId": "x"},
        {**failure_record("x"), "requestContext": {"condition": "Success"}},
        {**failure_record("x"), "requestPayload": {"action": "something else"}},
        {"requestPayload": "text", "requestContext": {}},
        [],
    ],
)
def test_only_failure_records_of_run_job_are_recognised(event):
    assert failed_invocation(event) is None


def test_a_failed_worker_invocation_settles_the_jobs_spend_reservation(api):
    service = lambda_function._service
    job_id = start_job()
    job = service.app.jobs.get(job_id)
    assert job is not None and job.reservation is not None
    lambda_function.lambda_handler(failure_record(job_id), None)
    # settled once, by the destination record's handler: a second settlement does nothing
    assert service.app.ledger.settle_job(service.app.jobs.get(job_id)) is False
    assert call(http_event("GET", "/usage"))["reservedUsd"] == 0.0
