"""Figures 4 and 5: how well a job runs its models in parallel, and what it costs in S3.

Each model is a real provider handler (OpenAI, Gemini, Stability, Bedrock SD, an
OpenAI-compatible gateway) against the project's fake server for it, whose generation call
takes exactly ``seconds``; the worker event runs the job through ``lambda_handler`` as the
asynchronous self-invocation would, and its wall time ends after the gallery is written.
Parallel efficiency is that wall time divided by one model's time: 1.0 would be perfect
overlap with zero overhead. It is measured twice: on the local object store, which isolates
what the function itself spends (threads, SDKs, HTTP, image handling); and on moto's S3, whose
one process handles every request of 20 models on the same two cores (about 6 ms each), so
that figure also carries the stand-in's queueing, which real S3 does not have.

Storage cost counts every S3 request of one whole job at the client: the /generate request
and the worker, polling excluded (one GET per poll, see figure 3), by what each key holds.
The job document's own writes are counted apart with answers staggered (model k answers after
k x 150 ms, longer than a write, so no two results share one): at most N + 4 for N models
(creation, claim, one per result, at most two heartbeats), and one read (the worker's; the
claim is a conditional write on it).

Cost per job puts what one job costs the operator side by side: the providers (the configured
models' catalogue prices, what the job reserved and what it cost), S3 requests (measured,
the worker's cancel checks included) and Lambda compute (the measured durations of the API
request and of the worker, each at its function's memory size in the template). The worker
waits for the slowest model, so compute grows with provider latency: ``params`` gives the
cost of each second.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable

from bench.harness import Figure, Settings, at_most
from bench.providers import FakeProviders
from bench.s3_server import MotoS3, S3RequestCounter, get_class, put_class, request_cost_usd
from bench.stack import Stack
from models.handlers import get_handler
from models.types import GenerationParams, ImageHandler, ModelConfig

FIXED_WRITES_TARGET = 8
DOCUMENT_WRITES_BEYOND_ONE_PER_MODEL = 4
DOCUMENT_READS_TARGET = 1
STAGGER_SECONDS = 0.15
# AWS Lambda, x86_64, us-east-1 (https://aws.amazon.com/lambda/pricing/, as tabled in
# git.mcrn.ar/mariano/lambda_local_runner docs/lambdas-md/lambda-13-cost.md, 2026-05):
LAMBDA_USD_PER_GB_SECOND = 0.0000166667
LAMBDA_USD_PER_REQUEST = 0.20 / 1_000_000
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


def parallel_efficiency(settings: Settings, s3: MotoS3) -> list[Figure]:
    seconds = settings.pick(1.0, 0.2)
    runs = settings.pick(5, 1)
    figures = []
    with FakeProviders(seconds) as providers, tempfile.TemporaryDirectory() as data:
        for models, store in ((20, "local"), (9, "local"), (20, "s3"), (9, "s3")):
            stack = Stack(s3 if store == "s3" else None, providers, models, data)
            _run_job(stack, models)  # warm-up: provider SDK imports, connection pools
            ratios = [_run_job(stack, models) / seconds for _ in range(runs)]
            name = f"parallel efficiency: {models} models, {store} store, wall / one model"
            params = {"models": models, "store": store, "model_seconds": seconds, "runs": runs}
            median, worst = round(statistics.median(ratios), 3), round(max(ratios), 3)
            if store == "local":
                figures.append(at_most(name, median, "x", 1.15, worst=worst, **params))
            else:
                figures.append(Figure(name, median, "x", {"worst": worst, **params}))
    return figures


def storage_cost(settings: Settings, s3: MotoS3, counter: S3RequestCounter) -> list[Figure]:
    figures = []
    with FakeProviders(seconds=0) as providers:
        for models in (9, 18):
            stack = Stack(s3, providers, models)
            _run_job(stack, models)  # warm-up
            counter.reset()
            job_id = stack.generate()
            stack.run_worker()
            operations, breakdown = counter.snapshot(), counter.by_category()
            _check_completed(stack.status(job_id), models)  # after counting: polls are not cost
            puts, gets = put_class(operations), get_class(operations)
            figures += [
                Figure(
                    f"S3 PUT-class requests per {models}-model job", puts, "requests", breakdown
                ),
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
