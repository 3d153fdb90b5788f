"""Ending a job whose worker invocation failed, from Lambda's on-failure destination record.

The worker function's asynchronous invocations are never retried. When one fails (the worker
crashed, ran out of memory or time) or waited in Lambda's queue longer than its maximum event
age (the worker's reserved concurrency was busy), Lambda sends an invocation record to the
on-failure destination, the API function, whose entry point hands it here. Without this, the
job would stay "in progress" until ``GET /status`` noticed its worker stopped updating it.

Record format (``requestContext.condition`` is ``RetriesExhausted`` or ``EventAgeExceeded``):
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from jobs.document import Job, canonical_job_id
from jobs.manager import JobManager

log = logging.getLogger("pixel_prompt.jobs")

# What the client is told; the condition and the worker's error go to the log only.
REASONS = {
    "EventAgeExceeded": "the job waited too long for a free worker; please retry",
}
DEFAULT_REASON = "the worker stopped before finishing; please retry"


@dataclass(frozen=True)
class FailedInvocation:
    job_id: str
    condition: str
    error_type: str | None


def failed_invocation(event: Any) -> FailedInvocation | None:
    """The failed ``run_job`` invocation a destination record describes; None for any other
    event (an HTTP request, a worker event, a success record)."""
    if not isinstance(event, dict):
        return None
    payload, context = event.get("requestPayload"), event.get("requestContext")
    if not isinstance(payload, dict) or not isinstance(context, dict):
        return None
    condition = context.get("condition")
    if payload.get("action") != "run_job" or condition in (None, "Success"):
        return None
    response = event.get("responsePayload")
    error_type = response.get("errorType") if isinstance(response, dict) else None
    return FailedInvocation(
        job_id=str(payload.get("jobId", "")),
        condition=str(condition),
        error_type=str(error_type) if error_type else None,
    )


def end_failed_job(jobs: JobManager, failed: FailedInvocation) -> Job | None:
    """End the job unless it already finished (``failed``, or ``partial`` keeping the images
    made before the worker died); returns the ended job, else None."""
    job_id = canonical_job_id(failed.job_id)
    reason = REASONS.get(failed.condition, DEFAULT_REASON)
    ended = jobs.mark_failed(job_id, reason) if job_id else None
    log.warning(
        json.dumps(
            {
                "event": "worker_failed",
                "jobId": failed.job_id[:64],
                "condition": failed.condition,
                "errorType": failed.error_type,
                "jobEnded": ended is not None,
            }
        )
    )
    return ended
