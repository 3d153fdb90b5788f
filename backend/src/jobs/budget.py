"""The arithmetic of the daily spend ceiling: pure functions over integer micro-dollars.

The day's ledger is split over ``shards`` objects so that concurrent ``/generate`` requests
write to different objects (optimistic writes on one hot object starve under load; see
``jobs.spend``). Each shard holds an equal share of the ceiling as its budget. A request
reserves in any shard whose free budget covers the job. When no single shard can, the
leftovers are **moved** to one shared pool object (``drain``) and the request reserves there,
so the ceiling is used to the last cent: a request is refused only when the shards' and the
pool's free budgets together are below its cost.

Per object: ``reserved`` (jobs still running), ``spent`` (settled), and for shards ``moved``
(budget handed to the pool). Settlement turns a job's reservation into what it spent and
releases the rest to the object it was reserved in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

UNLIMITED = math.inf
MAX_SHARDS = 64
"""As many objects as the rate limiter spreads its window over: measured under a crowd of 200
clients on moto's S3 (``make bench``, crowd), 8 shards queued every reservation behind the
others for seconds and /generate timed out; 64 keep the waits short."""
JOBS_PER_SHARD = 4
"""Whole jobs each shard's share of the ceiling must hold, so that a job seldom needs the pool."""


def shard_count(limit: int | None, job: int) -> int:
    """How many shards to spread the day's ledger over, for a ceiling of ``limit`` and jobs of
    ``job`` micro-dollars: ``MAX_SHARDS`` without a ceiling (or for free jobs), else as many as
    leave ``JOBS_PER_SHARD`` jobs in each, at least one. A small ceiling gets few shards, since
    few jobs fit in a day anyway; a large one gets many, since many jobs meet on it."""
    if limit is None or job <= 0:
        return MAX_SHARDS
    return max(1, min(MAX_SHARDS, limit // (JOBS_PER_SHARD * job)))


@dataclass(frozen=True)
class LedgerState:
    """One ledger object's counters, in micro-dollars."""

    reserved: int = 0
    spent: int = 0
    moved: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"reserved": self.reserved, "spent": self.spent, "moved": self.moved}

    @classmethod
    def from_dict(cls, data: object) -> LedgerState:
        if not isinstance(data, dict):
            raise ValueError("ledger object is not a JSON object")
        values = {name: int(data.get(name, 0)) for name in ("reserved", "spent", "moved")}
        if any(value < 0 for value in values.values()):
            raise ValueError("negative ledger counter")
        return cls(**values)


def shard_budgets(limit: int | None, shards: int) -> list[float]:
    """Each shard's share of the ceiling (``limit`` micro-dollars; None: no ceiling)."""
    if shards < 1:
        raise ValueError("at least one shard")
    if limit is None:
        return [UNLIMITED] * shards
    share, extra = divmod(max(0, limit), shards)
    return [float(share + (shard < extra)) for shard in range(shards)]


def shard_free(state: LedgerState, budget: float) -> float:
    """What a shard can still reserve (never negative, e.g. after the ceiling was lowered)."""
    return max(0.0, budget - state.moved - state.reserved - state.spent)


def pool_free(shards: Sequence[LedgerState], pool: LedgerState) -> int:
    """What the pool can still reserve: every budget moved to it minus what it holds."""
    return max(0, sum(state.moved for state in shards) - pool.reserved - pool.spent)


def reserve(state: LedgerState, amount: int) -> LedgerState:
    return replace(state, reserved=state.reserved + amount)


def drain(state: LedgerState, budget: float) -> LedgerState:
    """Move a shard's whole free budget to the pool."""
    return replace(state, moved=state.moved + int(shard_free(state, budget)))


def settle(state: LedgerState, reserved: int, spent: int) -> LedgerState:
    """Replace a job's reservation by what it spent (at most what it reserved)."""
    spent = max(0, min(spent, reserved))
    return replace(state, reserved=max(0, state.reserved - reserved), spent=state.spent + spent)


def next_day_in(now: datetime) -> int:
    """Whole seconds (at least 1) until the next UTC midnight: the Retry-After of a refusal."""
    moment = now.astimezone(UTC)
    midnight = datetime(moment.year, moment.month, moment.day, tzinfo=UTC) + timedelta(days=1)
    return max(1, math.ceil((midnight - moment).total_seconds()))
