"""Figures 2 and 3: ``POST /generate`` and ``GET /status/{jobId}`` through ``lambda_handler``.

S3 is moto's server in a child process (``s3_server.py``), so each figure includes real HTTP
round trips to S3: /generate does the content filter, the rate-limit check (two counters) and
the create-only job write; the asynchronous self-invocation is captured at the Lambda client
(the one Invoke call it makes in AWS is not timed). /status reads one job document of 20
completed models.
"""

from __future__ import annotations

import time

from bench.harness import Figure, Settings, latency_figures
from bench.providers import FakeProviders
from bench.s3_server import MotoS3, S3RequestCounter
from bench.stack import Stack
from testkit.events import http_event

WARM_UP = 5


def _timed(stack: Stack, event: dict, expected: int, count: int) -> tuple[list[float], int]:
    """``count`` timed requests; returns latencies (ms) and the last body's size in bytes."""
    millis, size = [], 0
    for _ in range(count):
        start = time.perf_counter()
        status, body, size = stack.call(event)
        millis.append((time.perf_counter() - start) * 1000)
        if status != expected:
            raise RuntimeError(f"{event['rawPath']} answered {status}: {body}")
    return millis, size


def _requests_per_call(name: str, counter: S3RequestCounter, calls: int) -> Figure:
    operations = counter.snapshot()
    return Figure(name, sum(operations.values()) / calls, "requests", operations)


def measure(settings: Settings, s3: MotoS3, counter: S3RequestCounter) -> list[Figure]:
    requests = settings.pick(300, 10)
    figures: list[Figure] = []
    with FakeProviders(seconds=0) as providers:
        stack = Stack(s3, providers, models=9)
        generate = http_event("POST", "/generate", {"prompt": "a lighthouse at dusk", "steps": 28})
        _timed(stack, generate, 202, WARM_UP)
        counter.reset()
        millis, _ = _timed(stack, generate, 202, requests)
        figures += latency_figures("POST /generate (9 models)", millis)
        figures.append(_requests_per_call("POST /generate S3 requests", counter, requests))

        stack = Stack(s3, providers, models=20)
        job_id = stack.generate()
        stack.run_worker()
        if stack.status(job_id)["completedModels"] != 20:
            raise RuntimeError("the 20-model job did not complete")
        status = http_event("GET", f"/status/{job_id}")
        _timed(stack, status, 200, WARM_UP)
        counter.reset()
        millis, size = _timed(stack, status, 200, requests)
        figures += latency_figures("GET /status (20-model job)", millis)
        figures.append(Figure("GET /status document size", size, "bytes", {"models": 20}))
        figures.append(_requests_per_call("GET /status S3 requests", counter, requests))
    return figures
