"""What every figure module shares: the ``Figure`` record, percentiles, the bench settings."""

from __future__ import annotations

import math
import statistics
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BACKEND = Path(__file__).resolve().parent.parent
for _path in (BACKEND / "src", BACKEND):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))


@dataclass(frozen=True)
class Settings:
    """How much work each figure does; ``quick`` is the smoke test's tiny run."""

    quick: bool = False

    def pick(self, full: int | float, quick: int | float) -> Any:
        return quick if self.quick else full


@dataclass(frozen=True)
class Figure:
    """One measured number, as printed and as written to ``results.json``.

    ``target`` is the goal in words (``"<= 1.3"``); ``meets_target`` is None without one.
    """

    name: str
    value: float
    unit: str
    params: dict[str, Any] = field(default_factory=dict)
    target: str | None = None
    meets_target: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def at_most(name: str, value: float, unit: str, limit: float, **params: Any) -> Figure:
    return Figure(name, value, unit, params, f"<= {limit:g}", value <= limit)


def exactly(name: str, value: float, unit: str, expected: float, **params: Any) -> Figure:
    return Figure(name, value, unit, params, f"== {expected:g}", value == expected)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: p99 of 100 samples is the 99th smallest."""
    if not values:
        raise ValueError("no samples")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def latency_figures(name: str, millis: list[float], **params: Any) -> list[Figure]:
    """p50 and p99 of one latency series, in milliseconds."""
    params = {"samples": len(millis), **params}
    return [
        Figure(f"{name} p50", round(statistics.median(millis), 3), "ms", params),
        Figure(f"{name} p99", round(percentile(millis, 0.99), 3), "ms", params),
    ]
