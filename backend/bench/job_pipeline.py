"""Figures 4 and 5: a job's wall time (cold and warm), its S3 requests and what it costs.

Each model is a real provider handler (OpenAI, Gemini, Stability, Bedrock SD, an
OpenAI-compatible gateway) against the project's fake server for it. As real providers do,
the fakes answer with a noise-like PNG of about 1 MB and their answers are staggered: of a
job's N models, the k-th answers after ``k / N`` of the model time, the last one after the
whole of it. The worker event runs the job through ``lambda_handler`` as the asynchronous
self-invocation would, and its wall time ends after the gallery is written. Each figure is
that wall time divided by one model's time: 1.0 would be perfect overlap with zero overhead.

- **Cold first job**: a fresh interpreter imports the handler module (Lambda's init phase,
  reported as ``init_seconds``), then handles the worker event, timed. Through
  ``worker_function`` (a function that only runs jobs) the init phase has built the service
  and imported the configured providers' SDKs, so the event pays only for the job: target
  1.5. Through ``lambda_function`` (one function for both roles, whose init must stay free
  of SDKs for the API's sake) the event also builds the service and imports the SDKs.
- **Warm jobs**: the same container's later jobs. On the local object store, which isolates
  what the function itself spends (threads, SDKs, HTTP, image handling); and on moto's S3,
  whose one process handles every request of 20 models on the same two cores, so that
  figure also carries the stand-in's queueing, which real S3 does not have.

Storage cost counts every S3 request of one whole job at the client: the /generate request
and the worker, polling excluded (one GET per poll, see figure 3), by what each key holds.
The job document's own writes are counted apart with answers staggered (model k answers after
k x 150 ms, longer than a write, so no two results share one): at most N + 4 for N models
(creation, claim, one per result, at most two heartbeats), and one read (the worker's; the
claim is a conditional write on it). Lambda
compute is the worker's wall time at its configured memory (``MemorySize`` in
template.yaml), in GB-seconds, priced beside the S3 requests of the same job.

Cost per job puts what one job costs the operator side by side: the providers (the configured
models' catalogue prices, what the job reserved and what it cost), S3 requests (measured,
the worker's cancel checks included) and Lambda compute (the measured durations of the API
request and of the worker, each at its function's memory size in the template). The worker
waits for the slowest model, so compute grows with provider latency: ``params`` gives the
cost of each second.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from bench.harness import BACKEND, Figure, Settings, at_most
from bench.providers import FakeProviders
from bench.s3_server import MotoS3, S3RequestCounter, get_class, put_class, request_cost_usd
from bench.stack import Stack
from models.handlers import get_handler
from models.types import GenerationParams, ImageHandler, ModelConfig
from testkit.events import http_event

FIXED_WRITES_TARGET = 10
"""PUT-class S3 requests (PUT, COPY, POST and LIST, priced alike) a job may make beyond its
two per model (its image and the document write its result causes), each counted once: the
job's creation and its claim (2), the global and per-address rate-limit counters (2), the
spend reservation, its settlement and the settlement marker (3), the gallery manifest, the
gallery entry and the first-page head's stale mark (3; a head already stale is left alone, and
the LIST that then copies the entries after the new one takes the mark's place). A feature
that adds a write per job has to raise this on purpose."""
COLD_TARGET = 1.5
WARM_TARGET = 1.15
IMAGE_KB = 1024
DOCUMENT_WRITES_BEYOND_ONE_PER_MODEL = 4
DOCUMENT_READS_TARGET = 1
STAGGER_SECONDS = 0.15
# AWS Lambda, x86_64, us-east-1 (https://aws.amazon.com/lambda/pricing/, as tabled in
# git.mcrn.ar/mariano/lambda_local_runner docs/lambdas-md/lambda-13-cost.md, 2026-05):
LAMBDA_USD_PER_GB_SECOND = 0.0000166667
"""x86_64, first tier, us-east-1 (https://aws.amazon.com/lambda/pricing/)."""
LAMBDA_USD_PER_REQUEST = 0.20 / 1_000_000


def lambda_memory_mb() -> int:
    """The worker function's configured memory, from the SAM template (the one place it is
    set): the ``MemorySize`` of the ``WorkerFunction`` resource."""
    text = (BACKEND / "template.yaml").read_text()
    worker = text[text.index("\n  WorkerFunction:") :]
    match = re.search(r"^\s+MemorySize:\s*(\d+)\s*$", worker, re.MULTILINE)
    if match is None:
        raise RuntimeError("template.yaml sets no MemorySize for WorkerFunction")
    return int(match.group(1))


API_MEMORY_GB = 1024 / 1024  # template.yaml: MemorySize of the API function
WORKER_MEMORY_GB = 3008 / 1024  # and of the worker function


def _check_completed(job: dict, models: int) -> None:
    if job["completedModels"] != models or job["status"] != "completed":
        errors = [r["error"] for r in job["results"] if r["error"]]
        raise RuntimeError(f"job {job['status']} with {job['completedModels']}/{models}: {errors}")


def _run_job(stack: Stack, models: int) -> float:
    """One whole job, checked complete; returns its worker's wall time in seconds."""
    job_id = stack.generate()
    wall = stack.run_worker()
    _check_completed(stack.status(job_id), models)
    return wall


def _cold_worker(stack: Stack, models: int, entry: str) -> dict[str, float]:
    """Store a job here, then run its worker event in a fresh interpreter (a cold container)
    whose handler module is ``entry``; returns the init and the event's seconds."""
    job_id = stack.generate()
    payload = stack.next_worker_event()
    child = subprocess.run(
        [sys.executable, "-m", "bench.cold_worker", json.dumps([stack.environ, payload, entry])],
        cwd=BACKEND,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if child.returncode != 0:
        raise RuntimeError(f"the cold worker failed: {child.stderr[-2000:]}")
    _check_completed(stack.status(job_id), models)
    return json.loads(child.stdout.strip().splitlines()[-1])


def job_wall_time(settings: Settings, s3: MotoS3, counter: S3RequestCounter) -> list[Figure]:
    seconds = settings.pick(1.0, 0.2)
    runs = settings.pick(5, 1)
    models = 20
    figures = []
    memory_gb = lambda_memory_mb() / 1024
    with (
        FakeProviders(seconds, stagger=models, image_kb=settings.pick(IMAGE_KB, 64)) as providers,
        tempfile.TemporaryDirectory() as data,
    ):
        common = {"models": models, "model_seconds": seconds, "image_kb": providers.image_kb}
        stack = Stack(None, providers, models, data)
        cold_runs = settings.pick(3, 1)
        for entry, label in (("worker_function", "worker entry"), ("lambda_function", "API entry")):
            cold = [_cold_worker(stack, models, entry) for _ in range(cold_runs)]
            ratios = [run["event"] / seconds for run in cold]
            name = f"cold first job ({label}): {models} models, local store, wall / one model"
            params = {
                "entry": f"{entry}.lambda_handler",
                "init_seconds": round(statistics.median(run["init"] for run in cold), 3),
                "worst": round(max(ratios), 3),
                "runs": cold_runs,
                **common,
            }
            median = round(statistics.median(ratios), 3)
            if entry == "worker_function":
                figures.append(at_most(name, median, "x", COLD_TARGET, **params))
            else:  # one function for both roles: the SDK imports land in the first job
                figures.append(Figure(name, median, "x", params))
        for store in ("local", "s3"):
            stack = Stack(s3 if store == "s3" else None, providers, models, data)
            _run_job(stack, models)  # this container's first job is the cold figure above
            counter.reset()
            walls = [_run_job(stack, models) for _ in range(runs)]
            ratios = [wall / seconds for wall in walls]
            name = f"warm job: {models} models, {store} store, wall / one model"
            params = {"store": store, "runs": runs, "worst": round(max(ratios), 3), **common}
            median = round(statistics.median(ratios), 3)
            if store == "local":
                figures.append(at_most(name, median, "x", WARM_TARGET, **params))
                continue
            figures.append(Figure(name, median, "x", params))
            operations = {op: n / runs for op, n in counter.snapshot().items()}
            gb_seconds = statistics.median(walls) * memory_gb
            lambda_usd = gb_seconds * LAMBDA_USD_PER_GB_SECOND + 2 * LAMBDA_USD_PER_REQUEST
            figures += [
                Figure(
                    f"Lambda compute per {models}-model job",
                    round(gb_seconds, 3),
                    "GB-s",
                    {"memory_mb": lambda_memory_mb(), "worker_seconds": statistics.median(walls)},
                ),
                Figure(
                    f"Lambda cost per 1000 {models}-model jobs",
                    round(lambda_usd * 1000, 4),
                    "USD",
                    {
                        "prices": "x86_64 us-east-1: $0.0000166667 per GB-s, $0.20 per 1M requests",
                        "requests_per_job": 2,
                        "model_seconds": seconds,
                    },
                ),
                Figure(
                    f"S3 request cost per 1000 {models}-model jobs",
                    round(request_cost_usd(operations) * 1000, 4),
                    "USD",
                    {"prices": "S3 Standard us-east-1: PUT/LIST $0.005, GET $0.0004 / 1000"},
                ),
            ]
    return figures


def storage_cost(settings: Settings, s3: MotoS3, counter: S3RequestCounter) -> list[Figure]:
    figures = []
    for models in (9, 18):
        with FakeProviders(settings.pick(0.5, 0.1), stagger=models) as providers:  # answers apart
            stack = Stack(s3, providers, models)
            _run_job(stack, models)  # warm-up
            # as the web client does after every job: its gallery read keeps the head built
            Stack.call(http_event("GET", "/gallery"))
            counter.reset()
            job_id = stack.generate()
            stack.run_worker()
            operations, breakdown = counter.snapshot(), counter.by_category()
            _check_completed(stack.status(job_id), models)  # after counting: polls are not cost
        puts, gets = put_class(operations), get_class(operations)
        figures += [
            Figure(f"S3 PUT-class requests per {models}-model job", puts, "requests", breakdown),
            Figure(f"S3 GET-class requests per {models}-model job", gets, "requests"),
            at_most(
                f"S3 writes per {models}-model job beyond two per model",
                puts - 2 * models,
                "requests",
                FIXED_WRITES_TARGET,
                models=models,
            ),
        ]
        if models == 9:
            figures.append(
                Figure(
                    "S3 request cost per 1000 9-model jobs",
                    round(request_cost_usd(operations) * 1000, 4),
                    "USD",
                    {"prices": "S3 Standard us-east-1: PUT/LIST $0.005, GET $0.0004 / 1000"},
                )
            )
    return figures


def staggered(gap: float) -> Callable[[str], ImageHandler]:
    """The image handlers, model k answering after k x ``gap`` seconds."""

    def handler_for(provider: str) -> ImageHandler:
        handler = get_handler(provider)

        def paced(model: ModelConfig, prompt: str, params: GenerationParams):
            time.sleep(model.index * gap)
            return handler(model, prompt, params)

        return paced

    return handler_for


def document_writes(settings: Settings, s3: MotoS3, counter: S3RequestCounter) -> list[Figure]:
    figures = []
    gap = settings.pick(STAGGER_SECONDS, 0.05)
    for models in (9,) if settings.quick else (9, 20):
        stack = Stack(s3, None, models, handler_for=staggered(gap))
        counter.reset()
        job_id = stack.generate()
        stack.run_worker()
        breakdown = counter.by_category()
        _check_completed(stack.status(job_id), models)
        figures += [
            at_most(
                f"S3 job-document writes per {models}-model job, answers staggered",
                breakdown.get("PUT job document", 0),
                "requests",
                models + DOCUMENT_WRITES_BEYOND_ONE_PER_MODEL,
                models=models,
                stagger_seconds=gap,
            ),
            at_most(
                f"S3 job-document reads per {models}-model job, answers staggered",
                breakdown.get("GET job document", 0),
                "requests",
                DOCUMENT_READS_TARGET,
                models=models,
            ),
        ]
    return figures


def cost_per_job(settings: Settings, s3: MotoS3, counter: S3RequestCounter) -> list[Figure]:
    """Provider, S3 and Lambda cost of one 9-model job, beside each other."""
    import time

    models = 9
    seconds = settings.pick(3.0, 0.3)
    with FakeProviders(seconds) as providers:
        stack = Stack(s3, providers, models)
        _run_job(stack, models)  # warm-up
        counter.reset()
        started = time.perf_counter()
        job_id = stack.generate()
        api_seconds = time.perf_counter() - started
        worker_seconds = stack.run_worker()
        operations, breakdown = counter.snapshot(), counter.by_category()
        job = stack.status(job_id)
        _check_completed(job, models)
    s3_usd = request_cost_usd(operations)
    gb_seconds = api_seconds * API_MEMORY_GB + worker_seconds * WORKER_MEMORY_GB
    compute_usd = gb_seconds * LAMBDA_USD_PER_GB_SECOND + 2 * LAMBDA_USD_PER_REQUEST
    provider_usd = job["costUsd"]
    prices = {f"{r['index']}:{r['modelId']}": r["costUsd"] for r in job["results"]}
    cancel_checks = breakdown.get("GET cancel marker", 0)
    per_second = WORKER_MEMORY_GB * LAMBDA_USD_PER_GB_SECOND
    return [
        Figure(
            "cost per 9-model job: providers",
            provider_usd,
            "USD",
            {"estimatedCostUsd": job["estimatedCostUsd"], "per model": prices},
        ),
        Figure(
            "cost per 9-model job: S3 requests",
            round(s3_usd, 8),
            "USD",
            {"requests": sum(operations.values()), **breakdown},
        ),
        Figure(
            "cost per 9-model job: Lambda compute",
            round(compute_usd, 8),
            "USD",
            {
                "api_seconds": round(api_seconds, 3),
                "worker_seconds": round(worker_seconds, 3),
                "model_seconds": seconds,
                "memory_gb": {"api": API_MEMORY_GB, "worker": round(WORKER_MEMORY_GB, 3)},
                "usd_per_second_of_model_latency": round(per_second, 8),
            },
        ),
        Figure(
            "cost per 9-model job: S3 + Lambda share of the total",
            round(100 * (s3_usd + compute_usd) / (provider_usd + s3_usd + compute_usd), 3),
            "%",
        ),
        Figure(
            "S3 cancel checks per second of a running job",
            round(cancel_checks / worker_seconds, 3),
            "requests/s",
            {"checks": cancel_checks, "worker_seconds": round(worker_seconds, 3)},
        ),
    ]
