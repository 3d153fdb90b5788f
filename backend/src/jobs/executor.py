"""Run every model of a job in parallel and record each result the moment it arrives.

The executor is the job document's single writer: it holds the document in memory and
persists it after every change. Changes are made under one lock and saved outside it, always
the newest state, so results that arrive together share one write instead of queueing one S3
round trip each. Each model is bounded by the model timeout for real: when a provider hangs,
the executor stops waiting after ``model_timeout + grace``, records a timeout for that model
and finishes the job; a late answer from the stuck thread is ignored.

Cancellation: while models run, the executor checks the job's cancel marker every
``cancel_check_seconds`` (one GET each; ``POST /jobs/{jobId}/cancel`` writes it, possibly from
another Lambda invocation). When it appears, finished results are kept, unfinished ones become
``cancelled`` and the job ends at once; late answers are ignored as for timeouts. When the job
ends, ``on_finished`` settles its spend reservation.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime
from typing import Any

from jobs.document import (
    TERMINAL_RUN,
    Job,
    compute_status,
    iso,
    parameter_report,
    parse_iso,
    utc_now,
)
from jobs.manager import JobManager
from models.handlers import get_handler
from models.types import ErrorKind, GenerationParams, ImageHandler, ModelConfig, ProviderError
from utils.storage import GalleryImage, ImageStorage

log = logging.getLogger(__name__)

MAX_PARALLEL_MODELS = 20
GRACE_SECONDS = 2.0
CANCEL_CHECK_SECONDS = 1.0
CANCELLED = "cancelled by request"


class _Recorder:
    """The in-memory document: changed under ``_lock``, saved under ``_write_lock``.

    Every change bumps a version. A saver takes the newest snapshot and skips the write when a
    later snapshot already covered its change: N results arriving at once cost about two
    writes, and nothing is lost, since the last change is always saved by its own caller.
    """

    def __init__(self, job: Job, manager: JobManager, clock: Callable[[], datetime]) -> None:
        self.job = job
        self._manager = manager
        self._clock = clock
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._version = 0
        self._saved = 0
        self._closed = False

    def record(self, changes: Mapping[int, Mapping[str, Any]]) -> None:
        """Apply changes by model index (unfinished runs only) and save them."""
        with self._lock:
            if self._closed:
                return  # the job already ended; a stuck thread's late answer is ignored
            runs = [
                r for r in self.job.results if r.index in changes and r.status not in TERMINAL_RUN
            ]
            if not runs:
                return
            for run in runs:
                for name, value in changes[run.index].items():
                    setattr(run, name, value)
            version = self._changed()
        self._save(version)

    def close(self, reason: str, cancelled: bool = False) -> Job:
        """Time out (or cancel) whatever is unfinished, settle the status and save the final
        document."""
        with self._lock:
            self._closed = True
            unfinished = [run for run in self.job.results if run.status not in TERMINAL_RUN]
            for run in unfinished:
                if cancelled:
                    run.status, run.error, run.errorKind = "cancelled", reason, None
                else:
                    run.status, run.error = "error", reason
                    run.errorKind = ErrorKind.TIMEOUT.value
                run.completedAt = iso(self._clock())
            version = self._changed() if unfinished else self._version
        self._save(version)
        return self.job

    def _changed(self) -> int:
        self.job.status = compute_status(self.job.results)
        self._version += 1
        return self._version

    def _save(self, version: int) -> None:
        with self._write_lock:
            if self._saved >= version:
                return  # a save that began after this change already wrote it
            with self._lock:
                newest, snapshot = self._version, self._manager.snapshot(self.job)
            self._manager.save_snapshot(self.job.jobId, snapshot)
            self._saved = newest


class JobExecutor:
    def __init__(
        self,
        manager: JobManager,
        images: ImageStorage,
        model_timeout: float,
        handler_for: Callable[[str], ImageHandler] = get_handler,
        clock: Callable[[], datetime] = utc_now,
        grace: float = GRACE_SECONDS,
        on_finished: Callable[[Job], object] | None = None,
        cancel_check_seconds: float = CANCEL_CHECK_SECONDS,
    ) -> None:
        self._manager = manager
        self._images = images
        self._timeout = model_timeout
        self._handler_for = handler_for
        self._clock = clock
        self._grace = grace
        self._on_finished = on_finished
        self._cancel_check = cancel_check_seconds

    def run(
        self, job_id: str, models: Sequence[ModelConfig], params: GenerationParams
    ) -> Job | None:
        """Run a pending job to a terminal state; returns None if the job is not pending."""
        job = self._manager.claim(job_id)
        if job is None:
            log.info("job %s is not pending; nothing to run", job_id)
            return self._manager.get(job_id)
        recorder = _Recorder(job, self._manager, self._clock)
        configured = {m.index: m for m in models}
        now = iso(self._clock())
        # Every model starts at once (one thread each), so one write marks them all running.
        recorder.record(
            {
                run.index: {
                    "status": "in_progress",
                    "startedAt": now,
                    # the id called today: a retirement since the job was created moves it
                    "modelId": configured[run.index].model_id,
                    "provider": str(configured[run.index].provider),
                }
                if run.index in configured
                else {
                    "status": "error",
                    "error": "this model is no longer configured",
                    "errorKind": ErrorKind.CONFIGURATION.value,
                    "completedAt": now,
                }
                for run in job.results
            }
        )
        to_run = [configured[r.index] for r in job.results if r.index in configured]
        pool = ThreadPoolExecutor(max_workers=max(1, min(MAX_PARALLEL_MODELS, len(to_run))))
        futures = [pool.submit(self._run_model, recorder, model, params) for model in to_run]
        try:
            cancelled = self._wait(job_id, futures)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        if cancelled:
            log.info("job %s: cancelled by request", job_id)
            finished = recorder.close(CANCELLED, cancelled=True)
        else:
            finished = recorder.close(f"no answer within {self._timeout:g} seconds")
        if self._on_finished is not None:
            self._on_finished(finished)  # settle the spend reservation first: money before art
        images = [
            GalleryImage(
                model=run.model,
                index=run.index,
                provider=run.provider,
                modelId=run.modelId,
                imageKey=run.imageKey,
                timestamp=int(parse_iso(run.completedAt or finished.createdAt).timestamp() * 1000),
                costUsd=run.costUsd,
            )
            for run in finished.results
            if run.imageKey is not None
        ]
        if images:
            self._images.record_generation(
                finished.target,
                finished.createdAt,
                finished.prompt,
                finished.parameters,
                images,
                cost_usd=finished.costUsd,
                estimated_cost_usd=finished.estimatedCostUsd,
            )
        return finished

    def _wait(self, job_id: str, futures: Sequence[Future[None]]) -> bool:
        """Wait for every model until the model timeout (+ grace); True if the job was
        cancelled meanwhile (checked every ``cancel_check_seconds``)."""
        deadline = time.monotonic() + self._timeout + self._grace
        pending = set(futures)
        while pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                log.warning(
                    "job %s: a model exceeded %.0f s; finishing without it", job_id, self._timeout
                )
                return False
            _, pending = wait(pending, timeout=min(self._cancel_check, remaining))
            if pending and self._manager.cancel_requested(job_id):
                return True
        return False

    def _run_model(self, recorder: _Recorder, model: ModelConfig, params: GenerationParams) -> None:
        job = recorder.job
        started = time.monotonic()
        try:
            image = self._handler_for(model.provider)(model, job.prompt, params)
            key, url = self._images.save_image(
                job.target, model.index, model.name, image.data, image.media_type
            )
            applied, ignored = parameter_report(job.parameters, image.applied)
            outcome: dict[str, Any] = {
                "status": "completed",
                "imageKey": key,
                "imageUrl": url,
                "costUsd": model.price_usd,
                "appliedParameters": applied,
                "ignoredParameters": ignored,
            }
        except ProviderError as exc:  # guarded handlers raise only this, already key-free
            outcome = {"status": "error", "error": exc.message, "errorKind": exc.kind.value}
        except Exception as exc:  # a model's failure must never reach another model
            log.exception("model %s failed outside its handler", model.index)
            outcome = {
                "status": "error",
                "error": f"internal error while running the model ({type(exc).__name__})",
                "errorKind": ErrorKind.PROVIDER_ERROR.value,
            }
        recorder.record(
            {
                model.index: {
                    "completedAt": iso(self._clock()),
                    "duration": round(time.monotonic() - started, 3),
                    **outcome,
                }
            }
        )
