"""How ``POST /generate`` starts a job without waiting for it.

Lambda freezes a container's threads once the handler returns, so the deployed service runs
each job in an asynchronous invocation of the worker function (``InvocationType=Event``,
payload ``{"action": "run_job", "jobId"}``), named by WORKER_FUNCTION_NAME. The worker is the
same code deployed with its own concurrency, memory and timeout, so running jobs never take the
API's capacity. The local server runs the job on a thread instead.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any, Protocol

RUN_JOB = "run_job"


def worker_event(job_id: str) -> dict[str, str]:
    """The payload of the asynchronous invocation that runs one job."""
    return {"action": RUN_JOB, "jobId": job_id}


def worker_job_id(event: object) -> str | None:
    """The job id of a worker event, or None for any other event (an HTTP request)."""
    if isinstance(event, dict) and event.get("action") == RUN_JOB:
        return str(event.get("jobId", ""))
    return None


class DispatchError(Exception):
    """The job could not be started."""


class Dispatcher(Protocol):
    def dispatch(self, job_id: str) -> None: ...


class LambdaDispatcher:
    def __init__(self, client: Any | None, function_name: str) -> None:
        """``client``: a Lambda client, or None to create one at the first dispatch. Creating
        it costs about 30 ms of cold start, which containers that only serve /status or run
        jobs never need to pay (see bench/README.md, cold start)."""
        self._client = client
        self._function_name = function_name

    def dispatch(self, job_id: str) -> None:
        payload = json.dumps(worker_event(job_id)).encode()
        try:
            if self._client is None:
                import boto3

                self._client = boto3.client("lambda")
            response = self._client.invoke(
                FunctionName=self._function_name, InvocationType="Event", Payload=payload
            )
        except Exception as exc:
            raise DispatchError(f"async invoke failed: {type(exc).__name__}") from exc
        if response.get("StatusCode") != 202:
            raise DispatchError(f"async invoke answered {response.get('StatusCode')}")


class ThreadDispatcher:
    """Runs each job on a thread of this process, at most ``concurrency`` at once; the others
    wait their turn, ``pending``, as jobs wait in Lambda's queue for the worker function's
    reserved concurrency. Measured under a crowd of 200 clients (``make bench``, crowd): with a
    thread per job, every job's storage requests queued at once and /generate timed out; with
    10 at a time, the slowest storage request took 5 s instead of 40."""

    def __init__(self, run: Callable[[str], object], concurrency: int) -> None:
        self._run = run
        self._slots = threading.BoundedSemaphore(concurrency)

    def _run_in_turn(self, job_id: str) -> None:
        with self._slots:
            self._run(job_id)

    def dispatch(self, job_id: str) -> None:
        thread = threading.Thread(
            target=self._run_in_turn, args=(job_id,), name=f"job-{job_id[:8]}", daemon=True
        )
        try:
            thread.start()
        except RuntimeError as exc:
            raise DispatchError("could not start a worker thread") from exc
