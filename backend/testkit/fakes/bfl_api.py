"""A fake of the Black Forest Labs (FLUX) API, on ``FakeServer``.

``POST /v1/{model}`` checks ``x-key`` and the JSON body and answers ``{"id", "polling_url"}``;
the polling URL deliberately points at another path (``/cluster-eu4/v1/get_result``, as the
global endpoint hands out cluster URLs), so a handler that rebuilds it from the base URL
fails. Each poll advances through the scripted ``statuses``; ``Ready`` links a sample on
``/delivery/...`` that must be fetched without the key.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from testkit.fakes.server import FakeServer, Reply, Request, png_bytes

SUBMIT_PREFIX = "/v1/"
POLL_PATH = "/cluster-eu4/v1/get_result"
DELIVERY_PREFIX = "/delivery/"
MODELS = (
    "flux-2-pro",
    "flux-2-max",
    "flux-2-flex",
    "flux-2-klein-4b",
    "flux-kontext-pro",
    "flux-pro-1.1",
    "flux-pro-1.1-ultra",
    "flux-dev",
)


def detail(status: int, message: str) -> Reply:
    """A FastAPI-style ``{"detail": "..."}`` error."""
    return Reply.json({"detail": message}, status)


def validation_error(field_name: str, message: str) -> Reply:
    """422 ``HTTPValidationError`` as in BFL's OpenAPI."""
    item = {"loc": ["body", field_name], "msg": message, "type": "value_error"}
    return Reply.json({"detail": [item]}, 422)


def rate_limited() -> Reply:
    """429 as BFL documents it (too many active tasks)."""
    return Reply.json(
        {
            "error": "rate_limit_exceeded",
            "message": "Too many concurrent requests",
            "retry_after": 5,
        },
        429,
        headers={"Retry-After": "5"},
    )


@dataclass
class FakeBfl:
    server: FakeServer
    statuses: list[str] = field(default_factory=lambda: ["Pending", "Pending", "Ready"])
    """Poll answers in order; the last one repeats."""
    submit_reply: Callable[[Request], Reply] | None = None
    poll_reply: Callable[[str, str], Reply] | None = None
    """Overrides the poll answer: ``fn(task_id, status) -> Reply``."""
    sample: Callable[[], Reply] = lambda: Reply(200, png_bytes(), {"Content-Type": "image/png"})
    error_details: dict = field(default_factory=lambda: {"error": "CUDA out of memory"})
    moderation_details: dict = field(
        default_factory=lambda: {"Moderation Reasons": ["Derivative Works Filter"]}
    )
    polls: dict[str, int] = field(default_factory=dict)

    def install(self) -> FakeBfl:
        self.server.route("POST", SUBMIT_PREFIX, self._submit)
        self.server.route("GET", POLL_PATH, self._poll)
        self.server.route("GET", DELIVERY_PREFIX, lambda request: self.sample())
        return self

    def requests_to(self, prefix: str) -> list[Request]:
        return [r for r in self.server.requests if r.path.startswith(prefix)]

    def _submit(self, request: Request) -> Reply:
        if request.path.removeprefix(SUBMIT_PREFIX) not in MODELS:
            return detail(404, "Not Found")
        if not request.header("x-key"):
            return detail(403, "Not authenticated")
        if self.submit_reply:
            return self.submit_reply(request)
        try:
            body = request.json()
        except ValueError:
            return validation_error("body", "JSON decode error")
        if not isinstance(body, dict) or not body.get("prompt"):
            return validation_error("prompt", "Field required")
        task_id = str(uuid.uuid4())
        self.polls[task_id] = 0
        return Reply.json(
            {
                "id": task_id,
                "polling_url": f"{self.server.url}{POLL_PATH}?id={task_id}",
                "cost": 3.0,
                "input_mp": 0.0,
                "output_mp": 1.05,
            }
        )

    def _poll(self, request: Request) -> Reply:
        if not request.header("x-key"):
            return detail(403, "Not authenticated")
        task_id = (request.query.get("id") or [""])[0]
        if task_id not in self.polls:
            return Reply.json({"id": task_id, "status": "Task not found"})
        index = self.polls[task_id]
        self.polls[task_id] = index + 1
        status = self.statuses[min(index, len(self.statuses) - 1)]
        if self.poll_reply:
            return self.poll_reply(task_id, status)
        return Reply.json(self._task(task_id, status))

    def _task(self, task_id: str, status: str) -> dict:
        task = {"id": task_id, "status": status, "result": None, "progress": None}
        if status == "Ready":
            task["result"] = {
                "sample": f"{self.server.url}{DELIVERY_PREFIX}{task_id}/sample.png?se=2026&sig=x",
                "prompt": "a prompt",
                "seed": 1234,
            }
        elif status == "Pending":
            task["progress"] = 0.4
        elif status == "Error":
            task["details"] = self.error_details
        elif status.endswith("Moderated"):
            task["details"] = self.moderation_details
        return task
