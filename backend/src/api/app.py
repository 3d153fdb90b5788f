"""The HTTP application: the route table, the routes, and the one place where an exception
becomes an HTTP answer (``error_response``, as Powertools' event handler does with its
exception handlers).

``App`` holds its collaborators (built by ``bootstrap.build_app``) and is free of environment
reads, so tests build one around moto S3 and fake providers.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.errors import (
    ApiError,
    Conflict,
    ContentBlocked,
    InvalidRequest,
    NotFound,
    RateLimited,
    ServiceBusy,
    ServiceUnavailable,
    SpendLimitReached,
    StorageUnavailable,
)
from api.http import Request, Response, request_from_event
from api.router import Route, Router
from api.validation import (
    GenerateRequest,
    parse_ballot,
    parse_gallery_limit,
    parse_generate,
    parse_idempotency_key,
    parse_job_id,
    parse_prompt,
)
from arena.leaderboard import leaderboard
from arena.prices import model_price_usd, price_usd
from arena.tally import TallyUnavailable, model_key
from arena.votes import AlreadyVoted, InvalidVote, VoteBook, voted_runs
from config import Settings
from jobs.dispatch import Dispatcher, DispatchError
from jobs.document import TERMINAL_JOB, utc_now
from jobs.executor import CANCELLED
from jobs.idempotency import Claim, IdempotencyStore, fingerprint
from jobs.manager import JobManager
from jobs.spend import SpendBusy, SpendLedger
from models.catalogue import capabilities_for
from models.enhance import Enhancement, enhance_prompt
from models.pricing import job_estimate
from models.providers import ASPECT_RATIOS, row_for
from models.registry import ModelRegistry
from models.types import ModelConfig, TextHandler
from utils.moderation import PromptFilter
from utils.object_store import StoreUnavailable
from utils.rate_limit import RateLimiter
from utils.storage import ImageStorage

log = logging.getLogger("pixel_prompt.api")

GALLERY_PAGE_DEFAULT = 20
GALLERY_PAGE_MAX = 100


@dataclass
class App:
    settings: Settings
    registry: ModelRegistry
    jobs: JobManager
    images: ImageStorage
    dispatcher: Dispatcher
    limiter: RateLimiter
    content_filter: PromptFilter
    text_handler_for: Callable[[str], TextHandler | None]
    votes: VoteBook
    ledger: SpendLedger
    idempotency: IdempotencyStore
    clock: Callable[[], datetime] = utc_now
    """Decides which model ids are called: the registry resolves retirements for this date."""

    def __post_init__(self) -> None:
        self._leaderboard_cache: tuple[tuple[Any, ...], Any] | None
        self._leaderboard_cache = None
        self.router = Router(
            [
                Route("POST", "/generate", self.generate),
                Route("GET", "/status/{jobId}", self.status),
                Route("POST", "/jobs/{jobId}/cancel", self.cancel),
                Route("GET", "/usage", self.usage),
                Route("POST", "/enhance", self.enhance),
                Route("GET", "/gallery", self.gallery),
                Route("GET", "/gallery/{target}", self.gallery_images),
                Route("GET", "/models", self.models),
                Route("POST", "/votes", self.vote),
                Route("GET", "/leaderboard", self.leaderboard),
            ]
        )

    # -- the HTTP edge -------------------------------------------------------------------

    def handle_http(self, event: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
        """Answer one API Gateway event; never raises, never leaks internals."""
        request_id = request_id or str(uuid.uuid4())
        started = time.perf_counter()
        route_name = "-"
        try:
            request = request_from_event(event)
            route_name = request.path
            if request.method == "OPTIONS" and self.router.knows(request.path):
                response = Response(
                    204, headers={"Allow": ", ".join(self.router.allowed(request.path))}
                )
            else:
                route, params = self.router.resolve(request.method, request.path)
                route_name = f"{route.method} {route.template}"
                response = route.handler(request, **params)
            answer = response.with_header("X-Request-Id", request_id).to_event()
        except Exception as exc:
            response = error_response(exc, request_id)
            answer = response.with_header("X-Request-Id", request_id).to_event()
        log.info(
            json.dumps(
                {
                    "event": "request",
                    "route": route_name,
                    "status": response.status,
                    "durationMs": round((time.perf_counter() - started) * 1000, 1),
                    "requestId": request_id,
                }
            )
        )
        return answer

    # -- routes ---------------------------------------------------------------------------

    def _admit(self, request: Request, prompt: str) -> None:
        """Content filter first (cheap, pure), then the rate limit (costs storage I/O)."""
        self._filter(prompt)
        self._count(request)

    def _filter(self, prompt: str) -> None:
        if self.content_filter.check(prompt).blocked:
            raise ContentBlocked("the prompt was refused by the content filter")

    def _count(self, request: Request) -> None:
        """The rate limit: count this request, or refuse it (429, or 503 when busy)."""
        decision = self.limiter.check(request.source_ip or "unknown")
        if decision.busy:
            raise ServiceBusy(
                "the service is busy; please retry shortly", retry_after=decision.retry_after
            )
        if not decision.allowed:
            scope = "this address's daily" if decision.scope == "ip" else "the service's hourly"
            raise RateLimited(
                f"{scope} request limit is reached; retry later", retry_after=decision.retry_after
            )

    def generate(self, request: Request) -> Response:
        """Validate, filter, claim the Idempotency-Key, count, reserve, create, dispatch.

        Everything that can refuse a request for what it is comes before the key is claimed;
        a replayed key answers before the rate limit counts it or the ledger reserves."""
        spec = parse_generate(request.json_object())
        key = parse_idempotency_key(request.headers)
        models = self.registry.get_all_models(self.clock().date())
        if not models:
            raise ServiceUnavailable(
                "no models are configured (set MODEL_COUNT and MODEL_N_NAME)", "NO_MODELS"
            )
        self._filter(spec.prompt)
        if key is None:
            return self._start(request, spec, models, None)
        claim = self.idempotency.claim(key, fingerprint(spec.prompt, spec.parameters()))
        if claim.outcome == "reused":
            raise Conflict(
                "this Idempotency-Key was used with another request body",
                "IDEMPOTENCY_KEY_REUSED",
            )
        if claim.outcome == "busy":
            raise Conflict(
                "a request with this Idempotency-Key is still being started; retry shortly",
                "IDEMPOTENCY_KEY_IN_USE",
                retry_after=1,
            )
        if claim.outcome == "replay":
            job = self.jobs.get(claim.job_id)
            if job is not None:
                body = {"jobId": job.jobId, "status": job.status, "totalModels": job.totalModels}
                return Response(200, body, {"Idempotent-Replayed": "true"})
        try:
            return self._start(request, spec, models, claim)
        except BaseException:
            self.idempotency.refuse(key, claim)
            raise

    def _start(
        self,
        request: Request,
        spec: GenerateRequest,
        models: tuple[ModelConfig, ...],
        claim: Claim | None,
    ) -> Response:
        self._count(request)
        estimate = job_estimate(models)
        try:
            reservation = self.ledger.reserve(estimate)
        except SpendBusy as exc:
            raise ServiceBusy("the spend ledger is busy; retry in a second", retry_after=1) from exc
        if reservation is None:
            raise SpendLimitReached(
                "today's spend limit (DAILY_SPEND_LIMIT_USD) has no room for this job; "
                "it resets at 00:00 UTC",
                retry_after=self.ledger.retry_after(),
            )
        job_id = claim.job_id if claim else str(uuid.uuid4())
        try:
            job = self.jobs.create(
                spec.prompt,
                spec.parameters(),
                models,
                job_id=job_id,
                reservation=reservation.to_dict(),
            )
        except BaseException:
            self.ledger.settle(job_id, reservation, 0)  # no job, nothing held
            raise
        try:
            self.dispatcher.dispatch(job.jobId)
        except DispatchError as exc:
            log.error(
                json.dumps({"event": "dispatch_failed", "jobId": job.jobId, "reason": str(exc)})
            )
            # ending the job runs its end hooks, which release its reservation
            self.jobs.mark_failed(job.jobId, "the job could not be started; please retry")
            raise ServiceUnavailable(
                "the job could not be started; please retry", "DISPATCH_FAILED"
            ) from exc
        return Response(
            202, {"jobId": job.jobId, "status": job.status, "totalModels": job.totalModels}
        )

    def status(self, request: Request, jobId: str) -> Response:
        # ``current`` ends, once, a job whose worker is gone (jobs.liveness).
        job = self.jobs.current(parse_job_id(jobId))
        if job is None:
            raise NotFound("no job with that id (jobs expire after 30 days)", "JOB_NOT_FOUND")
        return Response(200, job.public_dict())

    def cancel(self, request: Request, jobId: str) -> Response:
        """Stop a job: a pending one is cancelled here; a running one through the marker its
        worker checks every second or so (it may run in another invocation). Ending a job
        settles its reservation (the job manager's end hooks)."""
        job_id = parse_job_id(jobId)
        job = self.jobs.current(job_id)  # a job whose worker died is ended, not cancelled
        if job is None:
            raise NotFound("no job with that id (jobs expire after 30 days)", "JOB_NOT_FOUND")
        if job.status in TERMINAL_JOB:
            raise Conflict(f"the job already ended ({job.status})", "JOB_ALREADY_FINISHED")
        if job.status == "pending":
            cancelled = self.jobs.cancel_pending(job_id, CANCELLED)
            if cancelled is not None:
                return Response(202, {"jobId": job_id, "status": cancelled.status})
            # a worker claimed it meanwhile: ask that worker to stop
        self.jobs.request_cancel(job_id)
        return Response(202, {"jobId": job_id, "status": "cancelling"})

    def usage(self, request: Request) -> Response:
        return Response(200, self.ledger.usage().to_dict())

    def enhance(self, request: Request) -> Response:
        prompt = parse_prompt(request.json_object())
        self._admit(request, prompt)
        result = enhance_prompt(
            prompt,
            self.registry.get_prompt_model(self.clock().date()),
            self.text_handler_for,
            timeout=min(self.settings.model_timeout_seconds, 25.0),
        )
        if result.enhanced != prompt and self.content_filter.check(result.enhanced).blocked:
            refused = "the enhanced prompt was refused by the content filter"
            result = Enhancement(prompt, prompt, refused)
        return Response(200, result.to_dict())

    def gallery(self, request: Request) -> Response:
        limit = parse_gallery_limit(
            request.query.get("limit"), GALLERY_PAGE_DEFAULT, GALLERY_PAGE_MAX
        )
        try:
            items, cursor = self.images.list_galleries(request.query.get("cursor"), limit)
        except ValueError as exc:
            raise InvalidRequest("cursor is not valid", "INVALID_CURSOR") from exc
        return Response(200, {"galleries": items, "nextCursor": cursor})

    def gallery_images(self, request: Request, target: str) -> Response:
        try:
            images, job_id = self.images.read_generation(target)
        except ValueError as exc:
            raise InvalidRequest("target is not a valid gallery id", "INVALID_TARGET") from exc
        if not images:
            raise NotFound("no gallery with that id", "GALLERY_NOT_FOUND")
        return Response(200, {"target": target, "jobId": job_id, "images": images})

    # -- the arena ------------------------------------------------------------------------

    def models(self, request: Request) -> Response:
        """The configured models and what each honours; never a key or a base URL."""
        models = self.registry.get_all_models(self.clock().date())
        return Response(200, {"models": [model_summary(model) for model in models]})

    def vote(self, request: Request) -> Response:
        """One blind vote: checked, then de-duplicated, then rate-limited, then recorded."""
        ballot = parse_ballot(request.json_object())
        job = self.jobs.get(ballot.job_id)
        if job is None:
            raise NotFound("no job with that id (jobs expire after 30 days)", "JOB_NOT_FOUND")
        try:
            voted_runs(job, ballot)
        except InvalidVote as exc:
            raise InvalidRequest(str(exc), "INVALID_VOTE") from exc
        client = self.limiter.identity(request.source_ip or "unknown")
        if self.votes.has_voted(ballot, client):
            raise Conflict("this pair of this job already has your vote", "ALREADY_VOTED")
        self._count(request)
        try:
            vote_id = self.votes.record(job, ballot, client)
        except AlreadyVoted as exc:
            raise Conflict(str(exc), "ALREADY_VOTED") from exc
        except TallyUnavailable as exc:
            raise ServiceBusy(
                "the vote could not be counted; please retry shortly", retry_after=1
            ) from exc
        return Response(201, {"voteId": vote_id})

    def leaderboard(self, request: Request) -> Response:
        models = self.registry.get_all_models(self.clock().date())
        configured = [(model_key(model.provider, model.model_id), model.name) for model in models]
        prices = {model_key(m.provider, m.model_id): model_price_usd(m) for m in models}
        tally = self.votes.tally.read()
        # The fit and its bootstrap cost tens of milliseconds: reuse them while nothing changed.
        fingerprint = (tally.to_json(), tuple(configured), tuple(prices.items()))
        cached = self._leaderboard_cache
        if cached is None or cached[0] != fingerprint:
            cached = self._leaderboard_cache = (
                fingerprint,
                leaderboard(
                    tally,
                    configured,
                    lambda provider, model_id: (
                        prices.get(model_key(provider, model_id))
                        if model_key(provider, model_id) in prices
                        else price_usd(provider, model_id)
                    ),
                ),
            )
        return Response(200, cached[1])


def model_summary(model: ModelConfig) -> dict[str, Any]:
    """``GET /models`` entry: identity, price and capabilities; no key, no base URL."""
    capabilities = capabilities_for(model.provider, model.model_id)
    return {
        "index": model.index,
        "name": model.name,
        "provider": str(model.provider),
        "modelId": model.model_id,
        "priceUsd": model_price_usd(model),
        "capabilities": {
            "aspectRatios": [r for r in ASPECT_RATIOS if r in capabilities.aspect_ratios],
            "seed": capabilities.seed,
            "negativePrompt": capabilities.negative_prompt,
            "steps": capabilities.steps,
            "guidance": capabilities.guidance,
            "text": row_for(model.provider).text_handler is not None,
        },
    }


def error_response(exc: Exception, request_id: str) -> Response:
    """The one place an exception becomes an answer: a typed ``ApiError`` carries its status,
    code and headers; anything else is logged and answered 500 without internals."""
    if isinstance(exc, ApiError):
        return Response(exc.status, exc.body(), exc.headers)
    if isinstance(exc, StoreUnavailable):
        log.warning(json.dumps({"event": "storage_unavailable", "reason": str(exc)}))
        error = StorageUnavailable("storage is unreachable; please retry shortly")
        return Response(error.status, error.body(), error.headers)
    log.error(
        json.dumps({"event": "unhandled_error", "requestId": request_id}),
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return Response(
        500,
        {
            "error": "internal error; quote the X-Request-Id when reporting it",
            "code": "INTERNAL_ERROR",
        },
    )
