"""AWS Lambda entry point.

The same code is deployed as two functions. The API function answers API Gateway HTTP
requests (payload 2.0 or 1.0) with ``App.handle_http``, and receives the on-failure destination
records of failed worker invocations, which end their jobs (``jobs.failure``). The worker
function runs the asynchronous invocation ``{"action": "run_job", "jobId"}`` that
``POST /generate`` starts, every model of that job, before returning.

Importing this module stays cheap (no provider SDK, no Pillow): the app is built on the first
event and kept for the life of the container.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

logging.getLogger().setLevel(logging.INFO)
log = logging.getLogger("pixel_prompt")

_app = None


def get_app():
    global _app
    if _app is None:
        from bootstrap import build_app

        _app = build_app(os.environ)
    return _app


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request_id = getattr(context, "aws_request_id", None)
    try:
        app = get_app()
    except Exception:
        log.exception(json.dumps({"event": "startup_failed", "requestId": request_id}))
        return {
            "statusCode": 500,
            "headers": {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"},
            "body": json.dumps({"error": "the service failed to start", "code": "INTERNAL_ERROR"}),
        }
    if isinstance(event, dict) and event.get("action") == "run_job":
        return app.run_job(str(event.get("jobId", "")))
    from jobs.failure import end_failed_job, failed_invocation  # loaded with the app already

    failed = failed_invocation(event)
    if failed is not None:
        ended = end_failed_job(app.jobs, failed)
        return {"jobId": failed.job_id, "status": "failed" if ended else "unchanged"}
    return app.handle_http(event, request_id)
