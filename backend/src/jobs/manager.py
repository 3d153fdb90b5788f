"""Job documents in the object store: create, read, claim, save, fail.

Creation is create-only (If-None-Match) and claiming a job for a worker is a conditional
write (If-Match), so a retried or duplicated worker invocation never runs a job twice. After
the claim the executor is the document's single writer.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from jobs.document import TERMINAL_JOB, Job, ModelRun, fail_unfinished, iso, utc_now
from models.pricing import to_micros, to_usd
from models.types import ModelConfig
from utils.object_store import ObjectNotFound, ObjectStore, PreconditionFailed

_MAX_ATTEMPTS = 10


def job_key(job_id: str) -> str:
    return f"jobs/{job_id}/status.json"


def cancel_key(job_id: str) -> str:
    return f"jobs/{job_id}/cancel.json"


class JobManager:
    def __init__(self, store: ObjectStore, clock: Callable[[], datetime] = utc_now) -> None:
        self._store = store
        self._clock = clock

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
            estimatedCostUsd=to_usd(sum(to_micros(m.price_usd) for m in models)),
            reservation=reservation,
        )
        self._store.put(job_key(job_id), self._encode(job), "application/json", if_none_match=True)
        return job

    def get(self, job_id: str) -> Job | None:
        try:
            return Job.from_dict(json.loads(self._store.get(job_key(job_id)).data))
        except ObjectNotFound:
            return None

    def snapshot(self, job: Job) -> bytes:
        """The single writer's copy as it will be saved, ``updatedAt`` stamped now; taken under
        the writer's lock so that the slow write can happen outside it (``save_snapshot``)."""
        job.updatedAt = iso(self._clock())
        return self._encode(job)

    def save_snapshot(self, job_id: str, snapshot: bytes) -> None:
        self._store.put(job_key(job_id), snapshot, "application/json")

    def claim(self, job_id: str) -> Job | None:
        """Move a pending job to in_progress for this worker; None if another got it first."""
        return self._transition(job_id, lambda job: job.status == "pending", status="in_progress")

    # -- cancellation -----------------------------------------------------------------------------

    def request_cancel(self, job_id: str) -> None:
        """Leave the marker the job's worker checks while it runs (it may be in another
        process); the worker is the document's single writer, so the route never edits it."""
        self._store.put(cancel_key(job_id), b"{}", "application/json")

    def cancel_requested(self, job_id: str) -> bool:
        try:
            self._store.get(cancel_key(job_id))
        except ObjectNotFound:
            return False
        return True

    def cancel_pending(self, job_id: str, reason: str) -> Job | None:
        """Cancel a job no worker has claimed yet (conditional write, so a worker claiming it
        at the same moment either runs it or finds it cancelled, never both)."""

        def cancelled(job: Job) -> Job:
            now = iso(self._clock())
            runs = [
                replace(run, status="cancelled", error=reason, completedAt=now, costUsd=0.0)
                for run in job.results
            ]
            return replace(job, status="cancelled", results=runs)

        return self._transition(job_id, lambda job: job.status == "pending", cancelled)

    def mark_failed(self, job_id: str, reason: str) -> Job | None:
        """Fail a job that has not finished (its worker could not be started, or failed), and
        every model in it that had not finished."""
        return self._transition(
            job_id,
            lambda job: job.status not in TERMINAL_JOB,
            update=lambda job: fail_unfinished(job, reason),
        )

    def _transition(
        self,
        job_id: str,
        allowed: Callable[[Job], bool],
        update: Callable[[Job], Job] | None = None,
        **changes,
    ) -> Job | None:
        for _ in range(_MAX_ATTEMPTS):
            try:
                stored = self._store.get(job_key(job_id))
            except ObjectNotFound:
                return None
            job = Job.from_dict(json.loads(stored.data))
            if not allowed(job):
                return None
            job = replace(update(job) if update else job, updatedAt=iso(self._clock()), **changes)
            try:
                self._store.put(
                    job_key(job_id), self._encode(job), "application/json", if_match=stored.etag
                )
            except PreconditionFailed:
                continue
            return job
        return None

    @staticmethod
    def _encode(job: Job) -> bytes:
        return json.dumps(job.to_dict(), ensure_ascii=False).encode()
