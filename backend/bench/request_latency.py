"""Figures 2 and 3: ``POST /generate`` and ``GET /status/{jobId}`` through ``lambda_handler``.

S3 is moto's server in a child process (``s3_server.py``), so each figure includes real HTTP
round trips to S3: /generate does the content filter, the rate-limit check (two counters) and
the create-only job write; the asynchronous self-invocation is captured at the Lambda client
(the one Invoke call it makes in AWS is not timed). /status reads one job document of 20
completed models.

``GET /gallery`` reads pages of a gallery holding 150 generations (recorded
directly through the image storage, as finished jobs record them) from the same S3: the
first page's p50 must stay within 4x a ``/status`` read, and no page, of 10 or of 100, first
or after a cursor, may cost more than 2 S3 requests (the first page is one GET of the index
head; a later one a LIST and one GET). Reported without a target: the first read after a
recording, which rebuilds the head (GET, LIST, GET, PUT, LIST), and a later page; both carry
moto's LIST, which scans the whole bucket (real S3's does not).
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import lambda_function
from bench.harness import Figure, Settings, at_most, latency_figures
from bench.providers import FakeProviders
from bench.s3_server import MotoS3, S3RequestCounter
from bench.stack import Stack
from testkit.events import http_event

WARM_UP = 5
GALLERY_PAGE = 50
GALLERY_TO_STATUS_TARGET = 4.0
GALLERY_REQUESTS_TARGET = 2


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
        figures += _gallery(settings, counter, statistics.median(millis))
    return figures


def _record_generations(count: int, start: datetime) -> None:
    """``count`` finished generations with prompts of 20 to 1,000 characters, one a minute from
    ``start``, recorded in time order as a live gallery grows."""
    from utils.storage import GalleryImage

    images = lambda_function.get_service().app.images
    rng = random.Random(12)
    words = [
        "a",
        "lighthouse",
        "at",
        "dusk",
        "oil",
        "painting",
        "fox",
        "in",
        "morning",
        "mist",
        "soft",
        "light",
    ]
    for n in range(count):
        created = start + timedelta(minutes=n)
        target = created.strftime("%Y-%m-%d-%H-%M-%S-") + f"{n:06x}"
        prompt = " ".join(rng.choice(words) for _ in range(rng.randint(4, 150)))[:1000]
        stamp = int(created.timestamp() * 1000)
        shots = [
            GalleryImage(
                f"Model {i}", i, "openai", "gpt-image-1", f"group-images/{target}/{i}.png", stamp
            )
            for i in range(1, 10)
        ]
        created_at = created.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        images.record_generation(target, created_at, prompt, {"steps": 28}, shots)


def _gallery(settings: Settings, counter: S3RequestCounter, status_p50: float) -> list[Figure]:
    galleries = settings.pick(150, 12)
    # after the jobs this run already made
    _record_generations(galleries, datetime.now(UTC) + timedelta(minutes=1))
    page = http_event("GET", "/gallery", query={"limit": str(GALLERY_PAGE)})
    _timed(Stack, page, 200, WARM_UP)
    millis, _ = _timed(Stack, page, 200, settings.pick(100, 5))
    figures = latency_figures(
        f"GET /gallery ({GALLERY_PAGE} per page)", millis, galleries=galleries
    )
    figures.append(
        at_most(
            "GET /gallery p50 / GET /status p50",
            round(statistics.median(millis) / status_p50, 3),
            "x",
            GALLERY_TO_STATUS_TARGET,
            page=GALLERY_PAGE,
        )
    )
    cursor = None
    pages = (("first page of 10", 10), ("first page of 100", 100), ("100 after a cursor", 100))
    for label, limit in pages:
        after = cursor if label.endswith("cursor") else None
        query = {"limit": str(limit), **({"cursor": after} if after else {})}
        counter.reset()
        status, body, _ = Stack.call(http_event("GET", "/gallery", query=query))
        if status != 200 or not body["galleries"]:
            raise RuntimeError(f"/gallery answered {status} with {len(body.get('galleries', []))}")
        cursor = cursor or body["nextCursor"]
        operations = counter.snapshot()
        figures.append(
            at_most(
                f"GET /gallery S3 requests, {label}",
                sum(operations.values()),
                "requests",
                GALLERY_REQUESTS_TARGET,
                **operations,
            )
        )
    rebuilt = []  # what the web client meets: it reloads the first page when its job ends
    for n in range(settings.pick(20, 2)):
        _record_generations(1, datetime.now(UTC) + timedelta(days=1, minutes=n))  # the newest
        millis, _ = _timed(Stack, page, 200, 1)
        rebuilt += millis
    figures += latency_figures(
        f"GET /gallery ({GALLERY_PAGE} per page), first read after a recording (head rebuilt)",
        rebuilt,
        galleries=galleries,
    )
    later = http_event("GET", "/gallery", query={"limit": str(GALLERY_PAGE), "cursor": cursor})
    millis, _ = _timed(Stack, later, 200, settings.pick(50, 3))
    figures += latency_figures(
        f"GET /gallery ({GALLERY_PAGE} per page, after a cursor)", millis, galleries=galleries
    )
    return figures
