"""What a starting server does with the unfinished jobs it finds in storage.

The local server runs its workers on threads of its own process, so a job it finds
unfinished at start-up lost its worker when the previous process stopped, unless another
process shares the store (a second server, or a deployed stack on the same bucket). The sweep
therefore goes by the same liveness rule as ``GET /status``, never by guesswork:

- a pending job still within its lease (its worker may not have started yet) is run;
- a job past its lease is ended (its finished images kept and recorded in the gallery);
- an in-progress job within its lease is looked at again when its lease runs out, and ended
  then unless its worker wrote meanwhile.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime

from jobs.document import TERMINAL_JOB, parse_iso, utc_now
from jobs.liveness import is_abandoned
from jobs.manager import JobManager

log = logging.getLogger("pixel_prompt.recovery")

_RECHECK_SLACK_SECONDS = 0.5


def recover_unfinished(
    jobs: JobManager,
    dispatch: Callable[[str], object],
    clock: Callable[[], datetime] = utc_now,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, str]:
    """Run or end every unfinished job; returns what became of each (``run``, or the status it
    ended with, or ``alive`` when another worker kept it going). Returns once none is left
    waiting, at the latest one lease after it started."""
    outcome: dict[str, str] = {}
    waiting: dict[str, datetime] = {}
    for read in jobs.unfinished():
        job = read.job
        now = clock()
        if job.status == "pending" and not is_abandoned(job, now):
            dispatch(job.jobId)
            outcome[job.jobId] = "run"
        elif is_abandoned(job, now):
            outcome[job.jobId] = _end(jobs, job.jobId)
        elif job.staleAfter is not None:
            waiting[job.jobId] = parse_iso(job.staleAfter)
    while waiting:
        job_id, due = min(waiting.items(), key=lambda item: item[1])
        delay = (due - clock()).total_seconds() + _RECHECK_SLACK_SECONDS
        if delay > 0:
            sleep(delay)
        current = jobs.current(job_id)
        if current is None or current.status in TERMINAL_JOB:
            del waiting[job_id]
            outcome[job_id] = current.status if current else "missing"
        elif current.staleAfter is None:
            del waiting[job_id]  # a document without a lease: /status ends it in time
            outcome[job_id] = "alive"
        else:
            waiting[job_id] = parse_iso(current.staleAfter)  # its worker wrote: keep watching
            outcome[job_id] = "alive"
    if outcome:
        log.info(json.dumps({"event": "recovered_jobs", "jobs": outcome}))
    return outcome


def _end(jobs: JobManager, job_id: str) -> str:
    current = jobs.current(job_id)
    return current.status if current else "missing"
