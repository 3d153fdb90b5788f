"""Run every model of a job in parallel and record each result the moment it arrives.

The executor is the job document's single writer: it holds the document in memory under a
lock and persists it after every change. Each model is bounded by the model timeout for
real: when a provider hangs, the executor stops waiting after ``model_timeout + grace``,
records a timeout for that model and finishes the job; a late answer from the stuck thread is
ignored.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from concurrent.futures import TimeoutError as FuturesTimeout
from datetime import datetime

from jobs.document import TERMINAL_RUN, Job, compute_status, iso, utc_now
from jobs.manager import JobManager
from models.handlers import get_handler
from models.types import ErrorKind, GenerationParams, ImageHandler, ModelConfig
from utils.storage import ImageStorage

log = logging.getLogger(__name__)

MAX_PARALLEL_MODELS = 20
GRACE_SECONDS = 2.0


class _Recorder:
    """The in-memory document and the lock every model thread writes it through."""

    def __init__(self, job: Job, manager: JobManager, clock: Callable[[], datetime]) -> None:
        self.job = job
        self._manager = manager
        self._clock = clock
        self._lock = threading.Lock()
        self._closed = False

    def update(self, index: int, **changes) -> None:
        with self._lock:
            if self._closed:
                return  # the job already ended; a stuck thread's late answer is ignored
            run = next(r for r in self.job.results if r.index == index)
            if run.status in TERMINAL_RUN:
                return
            for name, value in changes.items():
                setattr(run, name, value)
            self.job.status = compute_status(self.job.results)
            self._manager.save(self.job)

    def close(self, reason: str) -> Job:
        """Time out whatever is unfinished, settle the status and persist the final document."""
        with self._lock:
            self._closed = True
            for run in self.job.results:
                if run.status not in TERMINAL_RUN:
                    run.status, run.error, run.errorKind = "error", reason, ErrorKind.TIMEOUT.value
                    run.completedAt = iso(self._clock())
            self.job.status = compute_status(self.job.results)
            self._manager.save(self.job)
            return self.job


class JobExecutor:
    def __init__(
        self,
        manager: JobManager,
        images: ImageStorage,
        model_timeout: float,
        handler_for: Callable[[str], ImageHandler] = get_handler,
        clock: Callable[[], datetime] = utc_now,
        grace: float = GRACE_SECONDS,
    ) -> None:
        self._manager = manager
        self._images = images
        self._timeout = model_timeout
        self._handler_for = handler_for
        self._clock = clock
        self._grace = grace

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
        for run in job.results:
            if run.index not in configured:
                recorder.update(
                    run.index,
                    status="error",
                    error="this model is no longer configured",
                    errorKind=ErrorKind.CONFIGURATION.value,
                    completedAt=iso(self._clock()),
                )
        to_run = [configured[r.index] for r in job.results if r.index in configured]
        pool = ThreadPoolExecutor(max_workers=max(1, min(MAX_PARALLEL_MODELS, len(to_run))))
        futures = [pool.submit(self._run_model, recorder, model, params) for model in to_run]
        try:
            for _ in as_completed(futures, timeout=self._timeout + self._grace):
                pass
        except FuturesTimeout:
            log.warning(
                "job %s: a model exceeded %.0f s; finishing without it", job_id, self._timeout
            )
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        finished = recorder.close(f"no answer within {self._timeout:g} seconds")
        images = sum(run.imageKey is not None for run in finished.results)
        if images:
            self._images.record_generation(
                finished.target, finished.createdAt, finished.prompt, images
            )
        return finished

    def _run_model(self, recorder: _Recorder, model: ModelConfig, params: GenerationParams) -> None:
        job = recorder.job
        started = time.monotonic()
        recorder.update(model.index, status="in_progress", startedAt=iso(self._clock()))
        try:
            result = self._handler_for(model.provider)(model, job.prompt, params)
            if result.ok:
                key, url = self._images.save_image(
                    job.target, model, result, job.prompt, job.parameters
                )
                outcome = {"status": "completed", "imageKey": key, "imageUrl": url}
            else:
                kind = result.error_kind or ErrorKind.PROVIDER_ERROR
                outcome = {"status": "error", "error": result.error, "errorKind": kind.value}
        except Exception as exc:  # a model's failure must never reach another model
            log.exception("model %s failed outside its handler", model.index)
            outcome = {
                "status": "error",
                "error": f"internal error while running the model ({type(exc).__name__})",
                "errorKind": ErrorKind.PROVIDER_ERROR.value,
            }
        recorder.update(
            model.index,
            completedAt=iso(self._clock()),
            duration=round(time.monotonic() - started, 3),
            **outcome,
        )
