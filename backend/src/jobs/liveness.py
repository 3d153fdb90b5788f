"""When a job's worker is taken as gone, and what its job then becomes. Pure rules, no I/O.

A live worker never leaves its job document unwritten for long: it writes when it claims the
job, when results arrive, and, when no result has arrived for ``heartbeat_interval``, a
standalone heartbeat (at most ``MAX_STANDALONE_HEARTBEATS`` per job, since the executor itself
ends every job within ``model timeout + GRACE_SECONDS`` of its start). Every write stamps
``staleAfter``: the instant by which the next write is due, plus a margin for a slow storage
round trip and clock skew between hosts. A job that is unfinished past its ``staleAfter`` has
lost its worker (killed, out of memory, frozen container, an invocation that never started),
and whoever reads it next (``GET /status``, the local server at start-up) ends it.

The bound therefore follows the model timeout, never the function timeout: with the default
60 s model timeout a dead worker's job is ended at most 15 s + (62 s / 3) = 35.7 s after its
last write. A job not yet claimed has a longer lease (``PENDING_LEASE_SECONDS``): it may be
waiting in Lambda's queue for a free worker.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from jobs.document import TERMINAL_JOB, TERMINAL_RUN, Job, compute_status, iso, parse_iso
from models.types import ErrorKind

GRACE_SECONDS = 2.0
"""How long past the model timeout the executor waits for a model before giving up on it."""

STALE_MARGIN_SECONDS = 15.0
"""Slack on top of the heartbeat interval: a slow storage write, clock skew between hosts."""

MAX_STANDALONE_HEARTBEATS = 2
"""Heartbeats written with no result to carry them; the job-document write bound counts them."""

PENDING_LEASE_SECONDS = 900 + 60
"""How long a job may stay pending: the worker function's maximum event age (template.yaml,
``MaximumEventAgeInSeconds``) plus a minute. A job waiting in Lambda's queue for a free worker
is not ended while it may still run; one whose invocation expired or failed is ended by the
on-failure destination first (``jobs.failure``), and this lease catches what is left."""

LEGACY_STALE_SECONDS = 15 * 60 + 60
"""For documents written before ``staleAfter`` existed: the longest a function can run."""

WORKER_GONE = "the worker stopped before finishing"
WORKER_NEVER_STARTED = "the job's worker never started; please retry"


def run_bound(model_timeout: float, grace: float = GRACE_SECONDS) -> float:
    """How long the executor runs a job at most, from its claim to its last result write."""
    return model_timeout + grace


def heartbeat_interval(model_timeout: float, grace: float = GRACE_SECONDS) -> float:
    """A live worker writes its job at least this often: the run bound cut so that at most
    ``MAX_STANDALONE_HEARTBEATS`` fit in it before the final write."""
    return run_bound(model_timeout, grace) / (MAX_STANDALONE_HEARTBEATS + 1)


def lease_seconds(model_timeout: float, grace: float = GRACE_SECONDS) -> float:
    """How long after a write its job stays alive without another write (``staleAfter``)."""
    return heartbeat_interval(model_timeout, grace) + STALE_MARGIN_SECONDS


def stale_after(written: datetime, lease: float) -> str:
    return iso(written + timedelta(seconds=lease))


def is_abandoned(job: Job, now: datetime) -> bool:
    """True when ``job`` is unfinished and its worker missed its next write."""
    if job.status in TERMINAL_JOB:
        return False
    if job.staleAfter is not None:
        return now > parse_iso(job.staleAfter)
    return (now - parse_iso(job.updatedAt)).total_seconds() > LEGACY_STALE_SECONDS


def end_unfinished(job: Job, now: datetime, reason: str) -> Job:
    """The job as it ends before its worker finished it: what finished is kept, every
    unfinished model gets ``reason`` as a timeout error, and the status follows (``partial``
    when some image was made, else ``failed``)."""
    stamp = iso(now)
    runs = [
        run
        if run.status in TERMINAL_RUN
        else replace(
            run,
            status="error",
            error=reason,
            errorKind=ErrorKind.TIMEOUT.value,
            completedAt=stamp,
        )
        for run in job.results
    ]
    return replace(
        job,
        results=runs,
        status=compute_status(runs),
        error=reason,
        updatedAt=stamp,
        staleAfter=None,
    )


def end_abandoned(job: Job, now: datetime) -> Job:
    """The job as it ends without its worker (``end_unfinished``, with the reason)."""
    never_started = all(run.status == "pending" for run in job.results)
    return end_unfinished(job, now, WORKER_NEVER_STARTED if never_started else WORKER_GONE)
