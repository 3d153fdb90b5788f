"""AWS Lambda entry point.

The same code is deployed as two functions. The API function answers API Gateway HTTP
requests (payload 2.0 or 1.0) with the HTTP app (``api.app.App.handle_http``), and receives the
on-failure destination records of failed worker invocations, which end their jobs
(``jobs.failure``). The worker function runs the asynchronous invocation
``{"action": "run_job", "jobId"}`` that ``POST /generate`` starts, handed to the job worker
(``jobs.worker.Worker.run``), which runs every model of that job before returning.

Importing this module stays cheap (no provider SDK, no Pillow): the service is built on the
first event and kept for the life of the container.
"""

from __future__ import annotations

import json
import logging
import os
from typing import TYPE_CHECKING, Any

from jobs.dispatch import worker_job_id

if TYPE_CHECKING:
    from bootstrap import Service

logging.getLogger().setLevel(logging.INFO)
log = logging.getLogger("pixel_prompt")

_service: Service | None = None


def get_service() -> Service:
    global _service
    if _service is None:
        from bootstrap import build_service

        _service = build_service(os.environ)
    return _service


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request_id = getattr(context, "aws_request_id", None)
    try:
        service = get_service()
    except Exception:
        log.exception(json.dumps({"event": "startup_failed", "requestId": request_id}))
        return {
            "statusCode": 500,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"error": "the service failed to start", "code": "INTERNAL_ERROR"}),
        }
    job_id = worker_job_id(event)
    if job_id is not None:
        return service.worker.run(job_id)
    from jobs.failure import end_failed_job, failed_invocation  # loaded with the service

    failed = failed_invocation(event)
    if failed is not None:
        ended = end_failed_job(service.app.jobs, failed)
        # ending the job ran its end hooks: its reservation is released, its images recorded
        return {"jobId": failed.job_id, "status": ended.status if ended else "unchanged"}
    return service.app.handle_http(event, request_id)
