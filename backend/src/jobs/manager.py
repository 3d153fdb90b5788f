"""Job documents in the object store: create, read, claim, save, end.

Every write is conditional. Creation is create-only (If-None-Match); every later write
replaces only the version its writer read or wrote last (If-Match). A retried or duplicated
worker invocation therefore never runs a job twice, and a job that has been ended (by a reader
that found its worker gone, ``current``) is never overwritten by that worker arriving late:
its next write fails and it stops.

Whoever writes a job's terminal state calls ``ended``, which runs the end hooks (record the
gallery, settle what the job reserved) exactly once per job: only one terminal write can win.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from jobs.document import TERMINAL_JOB, Job, ModelRun, canonical_job_id, iso, utc_now
from jobs.liveness import (
    PENDING_LEASE_SECONDS,
    end_abandoned,
    end_unfinished,
    is_abandoned,
    lease_seconds,
    stale_after,
)
from models.pricing import job_estimate, to_usd
from models.types import ModelConfig
from utils.object_store import ObjectNotFound, ObjectStore, PreconditionFailed

log = logging.getLogger(__name__)

_MAX_ATTEMPTS = 10
JOB_PREFIX = "jobs/"
DEFAULT_LEASE_SECONDS = lease_seconds(60.0)

EndHook = Callable[[Job], object]


def job_key(job_id: str) -> str:
    return f"{JOB_PREFIX}{job_id}/status.json"


def cancel_key(job_id: str) -> str:
    return f"{JOB_PREFIX}{job_id}/cancel.json"


@dataclass(frozen=True)
class Versioned:
    """A job document as read or written, with the version (ETag) a conditional write needs."""

    job: Job
    etag: str


class JobManager:
    def __init__(
        self,
        store: ObjectStore,
        clock: Callable[[], datetime] = utc_now,
        lease: float = DEFAULT_LEASE_SECONDS,
        on_ended: Sequence[EndHook] = (),
        pending_lease: float = PENDING_LEASE_SECONDS,
    ) -> None:
        """``lease``: seconds a worker's write keeps a job alive (``jobs.liveness.lease_seconds``
        of the model timeout); ``pending_lease``: how long a job may wait for its worker;
        ``on_ended``: run once on each job that turns terminal."""
        self._store = store
        self._clock = clock
        self.lease = lease
        self.pending_lease = pending_lease
        self._on_ended = list(on_ended)

    def add_end_hook(self, hook: EndHook) -> None:
        self._on_ended.append(hook)

    def create(
        self,
        prompt: str,
        parameters: dict,
        models: Sequence[ModelConfig],
        *,
        job_id: str | None = None,
        reservation: dict[str, Any] | None = None,
    ) -> Job:
        """Store a new pending job, create-only. ``job_id`` may be chosen beforehand (the
        idempotency record names it); ``reservation`` is where its estimated cost is counted."""
        now = self._clock()
        job_id = job_id or str(uuid.uuid4())
        job = Job(
            jobId=job_id,
            createdAt=iso(now),
            updatedAt=iso(now),
            prompt=prompt,
            target=f"{now:%Y-%m-%d-%H-%M-%S}-{job_id[:6]}",
            parameters=dict(parameters),
            results=[
                ModelRun(index=m.index, model=m.name, provider=m.provider, modelId=m.model_id)
                for m in models
            ],
            staleAfter=stale_after(now, self.pending_lease),
            estimatedCostUsd=to_usd(job_estimate(models)),
            reservation=reservation,
        )
        self._store.put(job_key(job_id), self._encode(job), "application/json", if_none_match=True)
        return job

    def get(self, job_id: str) -> Job | None:
        read = self.read(job_id)
        return read.job if read else None

    def read(self, job_id: str) -> Versioned | None:
        try:
            stored = self._store.get(job_key(job_id))
        except ObjectNotFound:
            return None
        return Versioned(Job.from_dict(json.loads(stored.data)), stored.etag)

    def current(self, job_id: str) -> Job | None:
        """The job as ``GET /status`` reports it. A job whose worker is gone is ended here,
        once: its finished images are kept (and recorded in the gallery), the rest time out.
        Costs the one GET of any status read, plus one write and the end hooks the one time
        the job is ended."""
        read = self.read(job_id)
        if read is None:
            return None
        now = self._clock()
        if not is_abandoned(read.job, now):
            return read.job
        ended = self._transition(
            job_id,
            lambda job: is_abandoned(job, now),
            lambda job: end_abandoned(job, now),
            first=read,
        )
        if ended is None:  # its worker (or another reader) wrote first
            return self.get(job_id)
        log.warning(
            json.dumps({"event": "job_abandoned", "jobId": job_id, "status": ended.job.status})
        )
        self.ended(ended.job)
        return ended.job

    def unfinished(self) -> Iterator[Versioned]:
        """Every job document that is not terminal (the local server's start-up sweep)."""
        start_after: str | None = None
        while True:
            listing = self._store.list(JOB_PREFIX, start_after=start_after)
            for key in listing.keys:
                job_id = canonical_job_id(key.removeprefix(JOB_PREFIX).partition("/")[0])
                read = self.read(job_id) if job_id and key == job_key(job_id) else None
                if read is not None and read.job.status not in TERMINAL_JOB:
                    yield read
            if not listing.truncated or not listing.keys:
                return
            start_after = listing.keys[-1]

    def claim(self, read: Versioned, start: Callable[[Job], Job]) -> Versioned | None:
        """Move a pending job to in_progress for this worker, in one write of ``start(job)``
        (every model marked running); None if another worker got it first. ``read`` is the
        document the worker has just read, so claiming costs no second GET."""
        return self._transition(
            read.job.jobId, lambda job: job.status == "pending", start, first=read
        )

    # -- cancellation -----------------------------------------------------------------------------

    def request_cancel(self, job_id: str) -> None:
        """Leave the marker the job's worker checks while it runs (it may be in another
        process); the worker writes the document while it runs, so the route never edits it."""
        self._store.put(cancel_key(job_id), b"{}", "application/json")

    def cancel_requested(self, job_id: str) -> bool:
        try:
            self._store.get(cancel_key(job_id))
        except ObjectNotFound:
            return False
        return True

    def cancel_pending(self, job_id: str, reason: str) -> Job | None:
        """Cancel a job no worker has claimed yet (conditional write, so a worker claiming it
        at the same moment either runs it or finds it cancelled, never both); runs the end
        hooks when it did."""

        def cancelled(job: Job) -> Job:
            now = iso(self._clock())
            runs = [
                replace(run, status="cancelled", error=reason, completedAt=now, costUsd=0.0)
                for run in job.results
            ]
            return replace(job, status="cancelled", results=runs)

        done = self._transition(job_id, lambda job: job.status == "pending", cancelled)
        if done is None:
            return None
        self.ended(done.job)
        return done.job

    def mark_failed(self, job_id: str, reason: str) -> Job | None:
        """End a job that has not finished (its worker could not be started, or its
        invocation failed): every unfinished model gets ``reason``; the job is ``failed``, or
        ``partial`` when some images were made (kept, and recorded in the gallery by the end
        hooks). None when it had already finished."""
        now = self._clock()
        failed = self._transition(
            job_id,
            lambda job: job.status not in TERMINAL_JOB,
            lambda job: end_unfinished(job, now, reason),
        )
        if failed is None:
            return None
        self.ended(failed.job)
        return failed.job

    def snapshot(self, job: Job) -> bytes:
        """The single writer's copy as it will be saved, stamped now (``updatedAt``, and
        ``staleAfter`` while unfinished); taken under the writer's lock so that the slow write
        can happen outside it (``save_snapshot``)."""
        now = self._clock()
        job.updatedAt = iso(now)
        job.staleAfter = None if job.status in TERMINAL_JOB else stale_after(now, self.lease)
        return self._encode(job)

    def save_snapshot(self, job_id: str, snapshot: bytes, etag: str) -> str:
        """Replace version ``etag`` of the document; its new etag. Raises
        ``PreconditionFailed`` when someone else wrote it since (it may have been ended)."""
        return self._store.put(job_key(job_id), snapshot, "application/json", if_match=etag)

    def ended(self, job: Job) -> None:
        """Run the end hooks on a job its caller has just made terminal. A failing hook is
        logged and does not stop the others: the job's own state is already saved."""
        for hook in self._on_ended:
            try:
                hook(job)
            except Exception:
                log.exception(json.dumps({"event": "end_hook_failed", "jobId": job.jobId}))

    def _transition(
        self,
        job_id: str,
        allowed: Callable[[Job], bool],
        change: Callable[[Job], Job],
        first: Versioned | None = None,
    ) -> Versioned | None:
        read = first
        for _ in range(_MAX_ATTEMPTS):
            if read is None:
                read = self.read(job_id)
                if read is None:
                    return None
            if not allowed(read.job):
                return None
            job = change(read.job)
            now = self._clock()
            job = replace(
                job,
                updatedAt=iso(now),
                staleAfter=None if job.status in TERMINAL_JOB else stale_after(now, self.lease),
            )
            try:
                etag = self._store.put(
                    job_key(job_id), self._encode(job), "application/json", if_match=read.etag
                )
            except PreconditionFailed:
                read = None
                continue
            return Versioned(job, etag)
        return None

    @staticmethod
    def _encode(job: Job) -> bytes:
        return json.dumps(job.to_dict(), ensure_ascii=False).encode()
