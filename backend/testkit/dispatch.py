"""Stand-ins at the job-dispatch seam (``jobs.dispatch``), for tests that start jobs."""

from __future__ import annotations

import json
from typing import Any


class FakeLambda:
    """The Lambda client a ``LambdaDispatcher`` invokes the worker with: records each
    asynchronous invoke and answers ``status``, or raises ``error``."""

    def __init__(self, status: int = 202, error: Exception | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.status, self.error = status, error

    def invoke(self, **kwargs: Any) -> dict[str, int]:
        self.calls.append(kwargs)
        if self.error:
            raise self.error
        return {"StatusCode": self.status}

    @property
    def payloads(self) -> list[dict[str, Any]]:
        """The worker events sent, decoded."""
        return [json.loads(call["Payload"]) for call in self.calls]


class RecordingDispatcher:
    """A dispatcher that only remembers job ids: jobs stay pending, as if their worker had not
    started; tests run the worker themselves."""

    def __init__(self) -> None:
        self.job_ids: list[str] = []

    def dispatch(self, job_id: str) -> None:
        self.job_ids.append(job_id)
