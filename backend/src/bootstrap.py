"""The composition root: build the service (HTTP ``App`` and job ``Worker``) from the
environment, once per container.

All I/O set-up lives here (boto3 clients, the Secrets Manager read, the data directory), so
the modules it wires together stay testable with their own collaborators.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.app import App
from arena.tally import TallyStore
from arena.votes import VoteBook
from config import Settings, load_settings
from jobs.budget import shard_count
from jobs.dispatch import Dispatcher, LambdaDispatcher, ThreadDispatcher
from jobs.document import utc_now
from jobs.executor import JobExecutor
from jobs.gallery import GalleryRecorder
from jobs.idempotency import IdempotencyStore
from jobs.liveness import lease_seconds
from jobs.manager import JobManager
from jobs.spend import SpendLedger
from jobs.worker import Worker
from models.handlers import get_handler, get_text_handler, preload
from models.handlers.common import size_client_caches
from models.pricing import job_estimate, to_micros
from models.registry import ModelRegistry
from models.types import ImageHandler
from utils.content_filter import ContentFilter
from utils.moderation import MODE_PROVIDER, LazyFilter, ModeratedFilter, PromptFilter
from utils.object_store import LocalObjectStore, ObjectStore, S3ObjectStore
from utils.rate_limit import RateLimiter
from utils.storage import ImageStorage

log = logging.getLogger("pixel_prompt.bootstrap")


def read_secret(secret_arn: str, client: Any = None) -> dict[str, Any]:
    """The JSON document the SAM template stores in one secret: the model keys and options
    (``config.parse_secret`` reads it). A failed read is logged and yields ``{}``."""
    import boto3

    client = client or boto3.client("secretsmanager")
    try:
        value = json.loads(client.get_secret_value(SecretId=secret_arn)["SecretString"])
    except Exception as exc:  # a missing permission or secret must not stop the service
        log.warning(
            "MODEL_KEYS_SECRET_ARN could not be read (%s); models run without keys",
            type(exc).__name__,
        )
        return {}
    return value if isinstance(value, dict) else {}


def build_store(settings: Settings) -> ObjectStore:
    if settings.s3_bucket:
        import boto3
        from botocore.config import Config

        # Bounded waits, so an unreachable endpoint is a prompt 503 STORAGE_UNAVAILABLE rather
        # than a request hanging until API Gateway gives up; a pool as large as the threads
        # (the worker's models, the local server's clients) that share the client.
        config = Config(
            connect_timeout=3,
            read_timeout=10,
            retries={"mode": "standard", "max_attempts": 3},
            max_pool_connections=64,
        )
        client = boto3.client("s3", endpoint_url=settings.s3_endpoint_url, config=config)
        return S3ObjectStore(client, settings.s3_bucket)
    return LocalObjectStore(settings.data_dir)


RATE_LIMIT_KEY_FILE = ".rate-limit-key"


def rate_limit_key(settings: Settings) -> bytes:
    """The HMAC secret that names rate-limit counters (never a plain hash of the address).

    Configured: the secret's ``rateLimitKey`` or ``RATE_LIMIT_KEY``. Otherwise the local store
    keeps a generated key in its data directory, so counts survive restarts. On S3 without a
    configured key each container draws its own: addresses stay unrecoverable and the global
    limit exact, but per-address counts then split across containers, so this is logged.
    """
    if settings.rate_limit_key and len(settings.rate_limit_key) >= 16:
        return settings.rate_limit_key.encode()
    if settings.rate_limit_key:
        log.warning("configuration: the rate-limit key is shorter than 16 characters; ignored")
    if not settings.s3_bucket:
        path = settings.data_dir / RATE_LIMIT_KEY_FILE
        try:
            return bytes.fromhex(path.read_text().strip())
        except (OSError, ValueError):
            key = secrets.token_bytes(32)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(key.hex())
        except OSError as exc:  # the store will answer 503 STORAGE_UNAVAILABLE on its own
            log.warning("the rate-limit key cannot be kept in %s (%s)", path, exc.strerror)
        return key
    log.warning(
        "configuration: no rate-limit key (the secret's rateLimitKey or RATE_LIMIT_KEY); "
        "this container uses its own, so per-address limits count per container"
    )
    return secrets.token_bytes(32)


def public_url_builder(settings: Settings):
    """Where a client fetches a stored image: CloudFront when deployed, else the local server."""
    if settings.cloudfront_domain:
        domain = settings.cloudfront_domain.removeprefix("https://").rstrip("/")
        return lambda key: f"https://{domain}/{key}"
    base = (settings.public_base_url or "").rstrip("/")
    return lambda key: f"{base}/images/{key}"


def build_content_filter(extra_terms_file: str | None) -> ContentFilter:
    """The shipped word list plus the operator's file; a bad file is logged, not fatal."""
    try:
        return ContentFilter.from_file(extra_paths=extra_terms_file)
    except (OSError, ValueError) as exc:
        log.warning(
            "CONTENT_FILTER_EXTRA_TERMS_FILE=%s cannot be read (%s); using the shipped list only",
            extra_terms_file,
            type(exc).__name__,
        )
        return ContentFilter.from_file()


def build_prompt_filter(settings: Settings, registry: ModelRegistry) -> PromptFilter:
    """The keyword filter, followed by OpenAI's moderation when CONTENT_FILTER_MODE=provider."""
    keywords = build_content_filter(settings.content_filter_extra_terms_file)
    if settings.content_filter_mode != MODE_PROVIDER:
        return keywords
    # Imported here: the moderation client brings `requests`, which a container that filters
    # by keywords only (the default) never needs.
    from models.moderation import openai_moderation

    moderation = openai_moderation(registry.get_all_models())
    if moderation is None:
        log.warning("CONTENT_FILTER_MODE=provider needs an OpenAI model with a key; keywords only")
        return keywords
    return ModeratedFilter(keywords, moderation)


@dataclass(frozen=True)
class Service:
    """What one container serves: HTTP requests (``app``) and worker events (``worker``).

    ``prepare_worker`` imports the configured providers' SDKs; only a container known to run
    jobs calls it (``worker_function``), as the API path must stay free of them."""

    app: App
    worker: Worker
    prepare_worker: Callable[[], None]


def build_service(
    environ: Mapping[str, str],
    dispatcher: Dispatcher | None = None,
    handler_for: Callable[[str], ImageHandler] = get_handler,
    clock: Callable[[], datetime] = utc_now,
) -> Service:
    """Everything the entry point needs; ``dispatcher`` defaults to an asynchronous invocation
    of the worker function (WORKER_FUNCTION_NAME, set on the deployed API function), else to a
    background thread running the worker (the local server). ``handler_for`` looks up a
    provider's image handler (the local server paces its preview models). ``clock`` dates the
    model resolution (a job calls the models current on the day it runs, not on the day the
    container started) and is the jobs' clock (when a job's worker counts as gone)."""
    secret_arn = environ.get("MODEL_KEYS_SECRET_ARN")
    settings = load_settings(environ, read_secret(secret_arn) if secret_arn else None)
    for warning in settings.warnings:
        log.warning("configuration: %s", warning)
    store = build_store(settings)
    registry = ModelRegistry.from_settings(settings, today=clock().date())
    size_client_caches(len(registry))
    images = ImageStorage(store, public_url_builder(settings))
    ceiling = settings.daily_spend_limit_usd
    ledger = SpendLedger(
        store,
        ceiling,
        clock,
        shards=shard_count(
            None if ceiling is None else to_micros(ceiling),
            job_estimate(registry.get_all_models(clock().date())),
        ),
    )
    jobs = JobManager(
        store,
        clock=clock,
        lease=lease_seconds(settings.model_timeout_seconds),
        # money before art: settle the reservation, then record the gallery
        on_ended=[ledger.settle_job, GalleryRecorder(images)],
    )
    worker = Worker(
        jobs,
        JobExecutor(jobs, images, settings.model_timeout_seconds, handler_for, clock=clock),
        lambda index: registry.get_model_by_index(index, clock().date()),
        settings.model_timeout_seconds,
    )
    if dispatcher is None:
        if settings.worker_function_name:
            dispatcher = LambdaDispatcher(None, settings.worker_function_name)
        else:
            dispatcher = ThreadDispatcher(worker.run, settings.worker_concurrency)
    app = App(
        settings=settings,
        registry=registry,
        jobs=jobs,
        images=images,
        dispatcher=dispatcher,
        limiter=RateLimiter(
            store,
            settings.global_limit,
            settings.ip_limit,
            settings.ip_include,
            key=rate_limit_key(settings),
        ),
        content_filter=LazyFilter(lambda: build_prompt_filter(settings, registry)),
        text_handler_for=get_text_handler,
        votes=VoteBook(store, TallyStore(store)),
        ledger=ledger,
        idempotency=IdempotencyStore(store, job_exists=lambda job_id: jobs.get(job_id) is not None),
        clock=clock,
    )
    return Service(
        app,
        worker,
        lambda: preload(registry.get_all_models(clock().date()), settings.model_timeout_seconds),
    )


def build_app(
    environ: Mapping[str, str],
    dispatcher: Dispatcher | None = None,
    handler_for: Callable[[str], ImageHandler] = get_handler,
) -> App:
    """The HTTP app of ``build_service``, for a host that serves HTTP only (the local server,
    whose jobs run on the dispatcher's thread)."""
    return build_service(environ, dispatcher, handler_for).app
