"""Run every model of a job in parallel and record each result the moment it arrives.

The executor is the job document's writer while the job runs: it holds the document in memory
and persists it after every change (each write conditional on its previous one, so a job
ended meanwhile by a reader that took the worker as gone is never overwritten; see
``jobs.manager``). When no result has arrived for a while it writes a heartbeat instead
(``jobs.liveness``). Changes are made under one lock and saved outside it, always
the newest state, so results that arrive together share one write instead of queueing one S3
round trip each. Each model is bounded by the model timeout for real: when a provider hangs,
the executor stops waiting after ``model_timeout + grace``, records a timeout for that model
and finishes the job; a late answer from the stuck thread is ignored.

Cancellation: while models run, the executor checks the job's cancel marker every
``cancel_check_seconds`` (one GET each; ``POST /jobs/{jobId}/cancel`` writes it, possibly from
another Lambda invocation). When it appears, finished results are kept, unfinished ones become
``cancelled`` and the job ends at once; late answers are ignored as for timeouts. When the job
ends, the manager's end hooks settle its spend reservation and record the gallery.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import replace
from datetime import datetime
from typing import Any

from jobs.document import (
    TERMINAL_JOB,
    TERMINAL_RUN,
    Job,
    compute_status,
    iso,
    parameter_report,
    utc_now,
)
from jobs.liveness import GRACE_SECONDS, MAX_STANDALONE_HEARTBEATS, heartbeat_interval, run_bound
from jobs.manager import JobManager, Versioned
from models.handlers import get_handler
from models.types import ErrorKind, GenerationParams, ImageHandler, ModelConfig, ProviderError
from utils.object_store import PreconditionFailed
from utils.storage import ImageStorage

log = logging.getLogger(__name__)

MAX_PARALLEL_MODELS = 20
_MAX_WRITE_ATTEMPTS = 5
CANCEL_CHECK_SECONDS = 1.0
CANCELLED = "cancelled by request"


class _Recorder:
    """The in-memory document: changed under ``_lock``, saved under ``_write_lock``.

    Every change bumps a version. A saver takes the newest snapshot and skips the write when a
    later snapshot already covered its change: N results arriving at once cost about two
    writes, and nothing is lost, since the last change is always saved by its own caller.

    Each write replaces only the version this worker wrote last (If-Match). When it fails,
    someone else wrote the document: if they ended the job (its worker was taken as gone), the
    recorder is ``preempted`` and writes nothing more; otherwise it writes again over what it
    read.
    """

    def __init__(
        self,
        read: Versioned,
        manager: JobManager,
        clock: Callable[[], datetime],
        heartbeat_interval: float,
    ) -> None:
        self.job = read.job
        self._etag = read.etag
        self._manager = manager
        self._clock = clock
        self._heartbeat_interval = heartbeat_interval
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._version = 0
        self._saved = 0
        self._closed = False
        self._last_write = clock()
        self.heartbeats = 0
        self.preempted = False

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

    def heartbeat(self) -> None:
        """Write the unchanged document when nothing was written for a heartbeat interval, so
        that readers keep taking this worker as alive; at most ``MAX_STANDALONE_HEARTBEATS``
        per job (results carry the heartbeat the rest of the time)."""
        with self._lock:
            idle = (self._clock() - self._last_write).total_seconds()
            if (
                self._closed
                or self.heartbeats >= MAX_STANDALONE_HEARTBEATS
                or idle < self._heartbeat_interval
            ):
                return
            self.heartbeats += 1
            self._version += 1
            version = self._version
        self._save(version)

    def next_heartbeat_in(self) -> float | None:
        """Seconds until a heartbeat is due; None when no more will be written."""
        with self._lock:
            if self._closed or self.heartbeats >= MAX_STANDALONE_HEARTBEATS:
                return None
            idle = (self._clock() - self._last_write).total_seconds()
            return max(0.0, self._heartbeat_interval - idle)

    def close(self, reason: str, cancelled: bool = False) -> Job:
        """Time out (or cancel) whatever is unfinished, settle the status and save the final
        document."""
        with self._lock:
            if self._closed:
                return self.job
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
            if self._saved >= version or self.preempted:
                return  # a save that began after this change already wrote it
            with self._lock:
                newest, snapshot = self._version, self._manager.snapshot(self.job)
                self._last_write = self._clock()
            for _ in range(_MAX_WRITE_ATTEMPTS):
                try:
                    self._etag = self._manager.save_snapshot(self.job.jobId, snapshot, self._etag)
                    break
                except PreconditionFailed:
                    stored = self._manager.read(self.job.jobId)
                    if stored is None or stored.job.status in TERMINAL_JOB:
                        with self._lock:
                            self.preempted = self._closed = True
                        log.warning("job %s was ended by another; stopping", self.job.jobId)
                        return
                    self._etag = stored.etag
            else:
                log.error(
                    "job %s: could not save after %d tries", self.job.jobId, _MAX_WRITE_ATTEMPTS
                )
                return
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
        cancel_check_seconds: float = CANCEL_CHECK_SECONDS,
    ) -> None:
        self._manager = manager
        self._images = images
        self._timeout = model_timeout
        self._handler_for = handler_for
        self._clock = clock
        self._grace = grace
        self.heartbeat_interval = heartbeat_interval(model_timeout, grace)
        self._cancel_check = cancel_check_seconds

    def run(
        self, job: str | Versioned, models: Sequence[ModelConfig], params: GenerationParams
    ) -> Job | None:
        """Run a pending job to a terminal state; returns None if there is no such job, and
        the stored job, untouched, if it is not pending. ``job``: its id, or the document the
        caller has just read (claiming it then costs no second GET)."""
        read = self._manager.read(job) if isinstance(job, str) else job
        if read is None:
            return None
        job_id = read.job.jobId
        configured = {m.index: m for m in models}
        claimed = self._manager.claim(read, lambda stored: self._started(stored, configured))
        if claimed is None:
            log.info("job %s is not pending; nothing to run", job_id)
            return self._manager.get(job_id)
        recorder = _Recorder(claimed, self._manager, self._clock, self.heartbeat_interval)
        to_run = [configured[r.index] for r in claimed.job.results if r.index in configured]
        pool = ThreadPoolExecutor(max_workers=max(1, min(MAX_PARALLEL_MODELS, len(to_run))))
        futures = [pool.submit(self._run_model, recorder, model, params) for model in to_run]
        try:
            cancelled = self._wait(job_id, futures, recorder)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        if cancelled:
            log.info("job %s: cancelled by request", job_id)
            finished = recorder.close(CANCELLED, cancelled=True)
        else:
            finished = recorder.close(f"no answer within {self._timeout:g} seconds")
        if recorder.preempted:
            return self._manager.get(job_id)  # whoever ended it ran the end hooks
        self._manager.ended(finished)  # settle the spend reservation, record the gallery
        return finished

    def _wait(self, job_id: str, futures: Sequence[Future[None]], recorder: _Recorder) -> bool:
        """Wait for every model until the model timeout (+ grace), writing a heartbeat when
        one is due and checking for cancellation every ``cancel_check_seconds``; True if the
        job was cancelled meanwhile."""
        deadline = time.monotonic() + run_bound(self._timeout, self._grace)
        pending = set(futures)
        while pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                log.warning(
                    "job %s: a model exceeded %.0f s; finishing without it", job_id, self._timeout
                )
                return False
            due = recorder.next_heartbeat_in()
            timeout = min(remaining, self._cancel_check, remaining if due is None else due)
            _, pending = wait(pending, timeout=timeout)
            if not pending:
                return False
            if self._manager.cancel_requested(job_id):
                return True
            recorder.heartbeat()
        return False

    def _started(self, job: Job, configured: Mapping[int, ModelConfig]) -> Job:
        """The claimed job: every configured model running (they all start at once, so one
        write says so), the others failed."""
        now = iso(self._clock())
        runs = [
            replace(
                run,
                status="in_progress",
                startedAt=now,
                # the id called today: a retirement since the job was created moves it
                modelId=configured[run.index].model_id,
                provider=str(configured[run.index].provider),
            )
            if run.index in configured
            else replace(
                run,
                status="error",
                error="this model is no longer configured",
                errorKind=ErrorKind.CONFIGURATION.value,
                completedAt=now,
            )
            for run in job.results
        ]
        return replace(job, results=runs, status=compute_status(runs))

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
