"""The daily spend ledger on the object store: reserve before a job starts, settle when it ends.

Objects, one set per UTC day (the bucket lifecycle may expire ``spend/`` after a few days):

- ``spend/{day}/shard-{k}.json``: ``{"reserved", "spent", "moved"}`` micro-dollars, k < shards;
- ``spend/{day}/pool.json``: the budget the shards moved to the pool, reserved and spent there;
- ``jobs/{jobId}/settled.json``: create-only marker that makes settlement happen once.

Every change is a read then a conditional write (``if_match`` / ``if_none_match``), retried
with jittered backoff, so concurrent requests are counted exactly on S3 and on the local store.
The arithmetic (shares, draining, settlement) is ``jobs.budget``, free of I/O.

Why shards: with one ledger object, N simultaneous requests need N rounds of conflicting
writes, each round re-reading; measured with 30 simultaneous jobs (``tests/test_spend.py``,
``make bench``), the shards bring the conflicts down to a handful. Only the last few jobs of a
day, when no shard alone can cover one, meet on the pool object. How many shards
(``budget.shard_count``) follows from the ceiling and the job's estimate; the bootstrap sets
it. If a redeploy changes it during a day, what the shards outside the new layout hold still
shows in ``/usage`` (which lists the day's objects) but no longer counts against the ceiling
until the next UTC day.

A reservation is where the job's estimate was counted (day, shard or pool, amount); it is
stored in the job document, so whoever ends the job (its worker, the cancel route, or the
status route when the worker died) can settle it with ``settle``.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from jobs import budget
from jobs.budget import LedgerState
from jobs.document import Job
from models.pricing import to_micros, to_usd
from utils.object_store import ObjectNotFound, ObjectStore, PreconditionFailed

log = logging.getLogger(__name__)

PREFIX = "spend/"
POOL = "pool"
_WRITTEN, _UNCHANGED, _LOST = "written", "unchanged", "lost"


class SpendBusy(Exception):
    """Lost the conditional write too often: the ledger could not decide in time."""


@dataclass(frozen=True)
class Reservation:
    """Where a job's estimated cost is counted: ``slot`` is a shard number or ``"pool"``."""

    day: str
    slot: str
    micros: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reservation:
        return cls(str(data["day"]), str(data["slot"]), int(data["micros"]))


@dataclass(frozen=True)
class Usage:
    """``GET /usage``: today's settled spend, what running jobs hold, the ceiling."""

    date: str
    spentUsd: float
    reservedUsd: float
    limitUsd: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Read:
    state: LedgerState
    etag: str | None  # None: the object does not exist yet


class SpendLedger:
    def __init__(
        self,
        store: ObjectStore,
        limit_usd: float | None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        *,
        shards: int = 8,
        time_budget: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``limit_usd`` None: no ceiling (spend is still counted for ``/usage``).
        ``time_budget`` bounds the retries of one reservation or settlement (seconds)."""
        self._store = store
        self.limit_usd = limit_usd
        self._limit = None if limit_usd is None else to_micros(limit_usd)
        self._clock = clock
        self.shards = shards  # how many shard objects reservations spread over
        self._budgets = budget.shard_budgets(self._limit, shards)
        self._time_budget = time_budget
        self._monotonic = monotonic
        self._sleep = sleep
        self.conflicts = 0  # lost conditional writes, for the contention figures

    # -- public API ---------------------------------------------------------------------------

    def reserve(self, micros: int) -> Reservation | None:
        """Count ``micros`` against today's ceiling; None when it would pass it (nothing
        counted). Raises ``SpendBusy`` if contention outlasts the time budget."""
        day = self.today()
        deadline = self._monotonic() + self._time_budget
        seen: dict[int, LedgerState] = {}
        pending = random.sample(range(self.shards), self.shards)
        attempt = 0
        while pending:
            lost = []
            for shard in pending:
                # One try per shard and pass: a lost race moves on to another shard instead of
                # queueing behind the winner on the same object.
                state, outcome = self._try(
                    self._shard_key(day, shard), _reserve_if_room(self._budgets[shard], micros)
                )
                if outcome == _WRITTEN:
                    return Reservation(day, str(shard), micros)
                if outcome == _LOST:
                    lost.append(shard)
                seen[shard] = state
            pending = lost
            if pending:
                attempt += 1
                self._back_off(attempt, deadline)
        if self._limit is None:  # unreachable: an unlimited shard always fits
            raise SpendBusy("no shard accepted a reservation without a ceiling")
        return self._reserve_from_pool(day, micros, seen, deadline)

    def settle(self, job_id: str, reservation: Reservation, spent_micros: int) -> bool:
        """Turn a job's reservation into what it spent; False if it was settled before.

        The create-only marker comes first, so two settlers (the worker and a status poll
        that declared the worker dead) never release twice. Should the ledger write then
        fail, the reservation stays counted: the ceiling errs on the safe side.
        """
        spent = max(0, min(spent_micros, reservation.micros))
        marker = json.dumps({"reserved": reservation.micros, "spent": spent}).encode()
        try:
            self._store.put(
                f"jobs/{job_id}/settled.json", marker, "application/json", if_none_match=True
            )
        except PreconditionFailed:
            return False
        key = self._slot_key(reservation.day, reservation.slot)
        deadline = self._monotonic() + max(self._time_budget, 30.0)
        try:
            self._update(key, lambda s: budget.settle(s, reservation.micros, spent), deadline)
        except SpendBusy:
            log.error("spend: could not settle job %s on %s; it stays reserved", job_id, key)
        return True

    def settle_job(self, job: Job) -> bool:
        """Settle an ended job's reservation from its results (``costUsd`` of each): the
        worker calls this when the job ends, the cancel route for a job it cancelled, the
        status route for a job it declared ended because its worker died. False when there
        was nothing (left) to settle."""
        if job.reservation is None:
            return False
        spent = sum(to_micros(run.costUsd) for run in job.results)
        return self.settle(job.jobId, Reservation.from_dict(job.reservation), spent)

    def usage(self) -> Usage:
        """Every ledger object of the day, whatever layout wrote it: one LIST, then the
        objects it names, in parallel."""
        day = self.today()
        keys = self._store.list(f"{PREFIX}{day}/").keys
        with ThreadPoolExecutor(min(8, len(keys) or 1)) as pool:
            states = [read.state for read in pool.map(self._read, keys)]
        return Usage(
            date=day,
            spentUsd=to_usd(sum(s.spent for s in states)),
            reservedUsd=to_usd(sum(s.reserved for s in states)),
            limitUsd=self.limit_usd,
        )

    def today(self) -> str:
        return f"{self._clock().astimezone(UTC):%Y-%m-%d}"

    def retry_after(self) -> int:
        """Seconds until the ceiling resets (the next UTC day)."""
        return budget.next_day_in(self._clock())

    # -- the tail: leftovers of every shard, pooled --------------------------------------------

    def _reserve_from_pool(
        self, day: str, micros: int, seen: dict[int, LedgerState], deadline: float
    ) -> Reservation | None:
        """No shard alone can cover ``micros``: move the shards' leftovers to the pool and
        reserve there. A shard that meanwhile got room back (a settlement) is used directly.
        Refuses only when every shard's and the pool's free budget together fall short."""
        for shard, state in seen.items():
            shard_budget = self._budgets[shard]
            if budget.shard_free(state, shard_budget) <= 0:
                continue  # nothing to move; a later release counts as after this request
            took: list[bool] = []

            def move_or_take(
                s: LedgerState, b: float = shard_budget, took: list[bool] = took
            ) -> LedgerState | None:
                free = budget.shard_free(s, b)
                took[:] = [free >= micros]
                if free >= micros:
                    return budget.reserve(s, micros)
                return budget.drain(s, b) if free > 0 else None

            after, written = self._update(self._shard_key(day, shard), move_or_take, deadline)
            if written and took[0]:
                return Reservation(day, str(shard), micros)
            seen[shard] = after
        shards = list(seen.values())
        _, done = self._update(
            self._slot_key(day, POOL),
            lambda p: budget.reserve(p, micros) if budget.pool_free(shards, p) >= micros else None,
            deadline,
        )
        return Reservation(day, POOL, micros) if done else None

    # -- objects ------------------------------------------------------------------------------

    def _update(
        self,
        key: str,
        change: Callable[[LedgerState], LedgerState | None],
        deadline: float,
    ) -> tuple[LedgerState, bool]:
        """Apply ``change`` to the object under ``key`` with a conditional write, re-reading
        after every lost race. Returns the state written (True) or last read (False, when
        ``change`` answered None: nothing to do)."""
        attempt = 0
        while True:
            state, outcome = self._try(key, change)
            if outcome != _LOST:
                return state, outcome == _WRITTEN
            attempt += 1
            self._back_off(attempt, deadline)

    def _try(
        self, key: str, change: Callable[[LedgerState], LedgerState | None]
    ) -> tuple[LedgerState, str]:
        """One read and, if ``change`` wants one, one conditional write."""
        current = self._read(key)
        new = change(current.state)
        if new is None:
            return current.state, _UNCHANGED
        data = json.dumps(new.to_dict()).encode()
        try:
            if current.etag is None:
                self._store.put(key, data, "application/json", if_none_match=True)
            else:
                self._store.put(key, data, "application/json", if_match=current.etag)
        except PreconditionFailed:
            self.conflicts += 1
            return current.state, _LOST
        return new, _WRITTEN

    def _back_off(self, attempt: int, deadline: float) -> None:
        remaining = deadline - self._monotonic()
        if remaining <= 0:
            raise SpendBusy("spend ledger contention outlasted the time budget")
        ceiling = min(0.1, 0.005 * 2 ** min(attempt, 10))
        self._sleep(min(random.uniform(0, ceiling), remaining))

    def _read(self, key: str) -> _Read:
        try:
            stored = self._store.get(key)
        except ObjectNotFound:
            return _Read(LedgerState(), None)
        try:
            return _Read(LedgerState.from_dict(json.loads(stored.data)), stored.etag)
        except (ValueError, TypeError):
            # Unreadable: count it as full for today (safe side) rather than start over at zero.
            log.error("spend: unreadable ledger object %s; treating it as full", key)
            full = int(self._limit or 0) + 1
            return _Read(LedgerState(reserved=0, spent=full, moved=0), stored.etag)

    def _shard_key(self, day: str, shard: int) -> str:
        return self._slot_key(day, str(shard))

    @staticmethod
    def _slot_key(day: str, slot: str) -> str:
        name = POOL if slot == POOL else f"shard-{int(slot)}"
        return f"{PREFIX}{day}/{name}.json"


def _reserve_if_room(
    shard_budget: float, micros: int
) -> Callable[[LedgerState], LedgerState | None]:
    """The change that reserves ``micros`` in a shard with room for it (None: no room)."""

    def change(state: LedgerState) -> LedgerState | None:
        if budget.shard_free(state, shard_budget) >= micros:
            return budget.reserve(state, micros)
        return None

    return change
