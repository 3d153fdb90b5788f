"""AWS Lambda entry point.

Two kinds of event arrive here: API Gateway HTTP requests (payload 2.0 or 1.0), answered by
the HTTP app (``api.app.App.handle_http``), and the asynchronous self-invocation
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
    return service.app.handle_http(event, request_id)
