"""The deployed service, with nothing beyond 127.0.0.1.

``lambda_handler`` is the entry point, as in Lambda; S3 is ``MotoS3``; each model is a real
provider handler talking to the project's fake server for that provider (``FakeProviders``).
The asynchronous self-invocation is captured and replayed as the worker event, exactly the
payload Lambda would deliver.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import lambda_function
from bench.providers import FakeProviders
from bench.s3_server import BUCKET, MotoS3
from bootstrap import build_service
from jobs.dispatch import LambdaDispatcher
from models.handlers import get_handler
from models.types import ImageHandler
from testkit.dispatch import FakeLambda
from testkit.events import http_event


def local_models(count: int) -> dict[str, str]:
    env = {"MODEL_COUNT": str(count)}
    for index in range(1, count + 1):
        env[f"MODEL_{index}_NAME"] = f"Local {index}"
        env[f"MODEL_{index}_PROVIDER"] = "local"
    return env


class Stack:
    """``lambda_function`` wired to ``providers`` with ``models`` models, storing in ``s3``, or
    with ``s3=None`` in the local object store under ``data_dir``."""

    def __init__(
        self,
        s3: MotoS3 | None,
        providers: FakeProviders | None,
        models: int,
        data_dir: str | None = None,
        handler_for: Callable[[str], ImageHandler] = get_handler,
    ) -> None:
        """``providers=None``: ``models`` of the built-in ``local`` provider, paced by
        ``handler_for`` if need be (the job-document write count needs no provider)."""
        self.invokes = FakeLambda()  # keeps each async invoke for replay
        store = (
            {"S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": s3.endpoint}
            if s3 is not None
            else {"DATA_DIR": str(data_dir)}
        )
        self.environ = environ = {
            **store,
            "CLOUDFRONT_DOMAIN": "d111.cloudfront.net",
            "GLOBAL_LIMIT": "1000000000",
            "IP_LIMIT": "1000000000",
            "MODEL_TIMEOUT_SECONDS": "30",
            **(providers.model_environment(models) if providers else local_models(models)),
        }
        # The container's service, as get_service() would have built it.
        lambda_function._service = build_service(
            environ,
            dispatcher=LambdaDispatcher(self.invokes, "pixel-prompt"),
            handler_for=handler_for,
        )

    @staticmethod
    def call(event: dict[str, Any]) -> tuple[int, dict[str, Any], int]:
        """One API request through ``lambda_handler``: status, JSON body, body size in bytes."""
        response = lambda_function.lambda_handler(event, None)
        return response["statusCode"], json.loads(response["body"]), len(response["body"])

    def generate(self, prompt: str = "a lighthouse at dusk, oil painting") -> str:
        status, body, _ = self.call(
            http_event("POST", "/generate", {"prompt": prompt, "steps": 28, "guidance": 7})
        )
        if status != 202:
            raise RuntimeError(f"/generate answered {status}: {body}")
        return body["jobId"]

    def next_worker_event(self) -> dict[str, Any]:
        """The oldest async invocation not yet delivered: the worker event it carries."""
        return json.loads(self.invokes.calls.pop(0)["Payload"])

    def run_worker(self) -> float:
        """Deliver the pending async invocation; returns the worker's wall time in seconds."""
        payload = self.next_worker_event()
        start = time.perf_counter()
        lambda_function.lambda_handler(payload, None)
        return time.perf_counter() - start

    def status(self, job_id: str) -> dict[str, Any]:
        status, body, _ = self.call(http_event("GET", f"/status/{job_id}"))
        if status != 200:
            raise RuntimeError(f"/status answered {status}: {body}")
        return body
