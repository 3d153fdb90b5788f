"""The job document stored at ``jobs/{jobId}/status.json`` and served by ``GET /status``.

Status rules are pure functions of the document, tested directly; when a job whose worker is
gone ends is ``jobs.liveness``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from models.pricing import to_micros, to_usd
from models.types import GenerationParams

TERMINAL_RUN = frozenset({"completed", "error", "cancelled"})
TERMINAL_JOB = frozenset({"completed", "partial", "failed", "cancelled"})


def canonical_job_id(value: object) -> str | None:
    """The job id ``value`` names, as ``JobManager.create`` writes it (a lowercase UUID in the
    8-4-4-4-12 form; upper case is accepted), or None for anything else. Checked before any
    storage access, since the id becomes part of a key."""
    if not isinstance(value, str):
        return None
    try:
        parsed = str(uuid.UUID(value))
    except ValueError:
        return None
    return parsed if parsed == value.lower() else None


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class ModelRun:
    """One model's part of a job; ``index`` tells apart two models with the same name.

    ``costUsd`` is the model's price once it completed, else 0 (failed, timed out, cancelled
    and unfinished models cost nothing: providers bill what they deliver)."""

    index: int
    model: str
    provider: str
    modelId: str
    status: str = "pending"
    startedAt: str | None = None
    completedAt: str | None = None
    duration: float | None = None
    imageKey: str | None = None
    imageUrl: str | None = None
    error: str | None = None
    errorKind: str | None = None
    appliedParameters: dict[str, Any] | None = None
    """What of the job's parameters this model was sent, with the value sent (the nearest
    ratio, a clamped seed; a provider ``size`` beside the ratio). Set when it completes."""
    ignoredParameters: list[str] | None = None
    """The job's parameters this model did not honour, by name. Set when it completes."""
    costUsd: float = 0.0


@dataclass
class Job:
    jobId: str
    createdAt: str
    updatedAt: str
    prompt: str
    target: str
    parameters: dict[str, Any] = field(default_factory=dict)
    results: list[ModelRun] = field(default_factory=list)
    status: str = "pending"
    error: str | None = None
    staleAfter: str | None = None
    """Until when the job counts as alive without another write (``jobs.liveness``); null
    once it is terminal."""
    estimatedCostUsd: float = 0.0
    """What was reserved against the daily ceiling when the job was created."""
    reservation: dict[str, Any] | None = None
    """Where that estimate is counted (``jobs.spend.Reservation``); stored, not served."""

    @property
    def totalModels(self) -> int:
        return len(self.results)

    @property
    def costUsd(self) -> float:
        """What the job has cost so far: its results' ``costUsd`` summed exactly."""
        return to_usd(sum(to_micros(run.costUsd) for run in self.results))

    @property
    def completedModels(self) -> int:
        return sum(run.status in TERMINAL_RUN for run in self.results)

    def to_dict(self) -> dict[str, Any]:
        body = asdict(self)
        body["totalModels"] = self.totalModels
        body["completedModels"] = self.completedModels
        body["costUsd"] = self.costUsd
        return body

    def public_dict(self) -> dict[str, Any]:
        """The document as ``GET /status`` serves it (without the ledger bookkeeping)."""
        body = self.to_dict()
        body.pop("reservation", None)
        return body

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        run_fields = {f.name for f in fields(ModelRun)}
        job_fields = {f.name for f in fields(cls)}
        runs = [
            ModelRun(**{k: v for k, v in run.items() if k in run_fields})
            for run in data.get("results", [])
        ]
        values = {k: v for k, v in data.items() if k in job_fields and k != "results"}
        return cls(**values, results=runs)


USER_PARAMETERS = ("aspectRatio", "seed", "negativePrompt", "steps", "guidance", "control")
"""The job parameters a model may honour or ignore, in the API's names."""


def generation_params(parameters: dict[str, Any], timeout: float) -> GenerationParams:
    """What the handlers get from a job's stored ``parameters`` (``control`` is read by none)."""
    return GenerationParams(
        steps=parameters.get("steps"),
        guidance=parameters.get("guidance"),
        timeout=timeout,
        aspect_ratio=parameters.get("aspectRatio"),
        seed=parameters.get("seed"),
        negative_prompt=parameters.get("negativePrompt"),
    )


def parameter_report(
    parameters: dict[str, Any], applied: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """(appliedParameters, ignoredParameters) of one result: what the handler said it sent,
    and every parameter the user set that it did not send."""
    requested = [name for name in USER_PARAMETERS if parameters.get(name) is not None]
    return dict(applied), [name for name in requested if name not in applied]


def compute_status(runs: list[ModelRun]) -> str:
    """pending (nothing started), in_progress, completed (all ok), partial, failed (all errored);
    cancelled once any model was cancelled and none is still running."""
    if not runs:
        return "failed"
    if any(run.status == "cancelled" for run in runs) and all(
        run.status in TERMINAL_RUN for run in runs
    ):
        return "cancelled"
    if all(run.status == "pending" for run in runs):
        return "pending"
    if any(run.status not in TERMINAL_RUN for run in runs):
        return "in_progress"
    succeeded = sum(run.status == "completed" for run in runs)
    if succeeded == len(runs):
        return "completed"
    return "partial" if succeeded else "failed"
