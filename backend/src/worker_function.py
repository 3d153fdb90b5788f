"""Entry point for a function that only runs jobs (the worker), not the HTTP API.

Lambda runs a module's top level in the init phase, before the first event. Here that phase
builds the service and imports the configured providers' SDKs (``Service.prepare_worker``),
so a cold worker's first job starts its models at once instead of spending its first seconds
importing openai, google-genai and boto3 one model at a time. ``lambda_function`` must never
do this: an API container would pay those seconds on its first request.

A deployment uses it by pointing ``WORKER_FUNCTION_NAME`` at a function whose handler is
``worker_function.lambda_handler`` (same code, same environment). With one function for both
roles, ``lambda_function`` runs jobs too; its first job then imports the SDKs itself.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import lambda_function
from jobs.dispatch import worker_job_id

log = logging.getLogger("pixel_prompt.worker")


def _init() -> None:
    try:
        lambda_function.get_service().prepare_worker()
    except Exception:  # the first event reports a service that cannot start
        log.exception(json.dumps({"event": "worker_init_failed"}))


_init()


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run the job a worker event names; anything else is refused (this is not the API)."""
    if worker_job_id(event) is None:
        log.warning(json.dumps({"event": "not_a_worker_event"}))
        return {"status": "ignored"}
    return lambda_function.lambda_handler(event, context)
