"""The daily spend ceiling: pure arithmetic, then the ledger on both stores, with concurrency."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest

from jobs import budget
from jobs.budget import LedgerState
from jobs.spend import POOL, Reservation, SpendBusy, SpendLedger
from models.pricing import to_micros
from utils.object_store import PreconditionFailed

NOON = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TEN_CENTS = to_micros(0.10)


def at(moment: datetime):
    return lambda: moment


# -- pure arithmetic ------------------------------------------------------------------------------


def test_shares_add_up_to_the_ceiling():
    assert budget.shard_budgets(1_000_000, 8) == [125_000.0] * 8
    assert sum(budget.shard_budgets(1_000_003, 8)) == 1_000_003
    assert budget.shard_budgets(None, 3) == [budget.UNLIMITED] * 3


@pytest.mark.parametrize(
    ("limit_usd", "job_usd", "shards"),
    [
        (None, 0.50, budget.MAX_SHARDS),  # no ceiling: as many as keep contention low
        (10.0, 0.0, budget.MAX_SHARDS),  # free jobs never meet the ceiling
        (10.0, 0.50, 5),  # $2 a shard: four jobs in each
        (1.0, 0.50, 1),  # not even four jobs a day: one shard, then the pool
        (1000.0, 0.50, budget.MAX_SHARDS),  # 500 shards' worth, capped
    ],
)
def test_the_shard_count_follows_the_ceiling_and_the_job(limit_usd, job_usd, shards):
    limit = None if limit_usd is None else to_micros(limit_usd)
    assert budget.shard_count(limit, to_micros(job_usd)) == shards
    if limit is not None and shards < budget.MAX_SHARDS and job_usd:
        share = min(budget.shard_budgets(limit, shards))
        assert share >= budget.JOBS_PER_SHARD * to_micros(job_usd) or shards == 1


def test_free_budget_never_goes_negative():
    state = LedgerState(reserved=100, spent=50, moved=10)
    assert budget.shard_free(state, 200) == 40
    assert budget.shard_free(state, 100) == 0  # the ceiling was lowered below what is used


def test_draining_moves_the_whole_free_budget_to_the_pool():
    shards = [budget.drain(LedgerState(reserved=100_000), 125_000) for _ in range(8)]
    assert all(s.moved == 25_000 for s in shards)
    assert budget.pool_free(shards, LedgerState()) == 200_000
    assert budget.pool_free(shards, LedgerState(reserved=100_000, spent=100_000)) == 0


def test_settlement_releases_what_was_not_spent():
    state = LedgerState(reserved=300, spent=10)
    assert budget.settle(state, reserved=200, spent=50) == LedgerState(reserved=100, spent=60)
    assert budget.settle(state, reserved=200, spent=999) == LedgerState(reserved=100, spent=210)
    assert budget.settle(state, reserved=200, spent=0) == LedgerState(reserved=100, spent=10)


def test_retry_after_runs_to_the_next_utc_midnight():
    assert budget.next_day_in(NOON) == 12 * 3600
    assert budget.next_day_in(datetime(2026, 11, 30, 23, 59, 59, 500_000, tzinfo=UTC)) == 1


def test_ledger_state_round_trips_and_refuses_garbage():
    state = LedgerState(1, 2, 3)
    assert LedgerState.from_dict(state.to_dict()) == state
    with pytest.raises(ValueError):
        LedgerState.from_dict({"reserved": -1})
    with pytest.raises(ValueError):
        LedgerState.from_dict([1, 2])


# -- the ledger, on S3 (moto) and the local store -------------------------------------------------


def test_reservations_fill_the_ceiling_to_the_cent(store):
    ledger = SpendLedger(store, 1.00, at(NOON))
    granted = [ledger.reserve(TEN_CENTS) for _ in range(12)]
    assert sum(r is not None for r in granted) == 10
    assert granted[10] is None and granted[11] is None
    assert sum(r.slot == POOL for r in granted if r) == 2  # 8 shards of $0.125, then the pool
    usage = ledger.usage()
    assert (usage.date, usage.reservedUsd, usage.spentUsd, usage.limitUsd) == (
        "2026-11-30",
        1.0,
        0.0,
        1.0,
    )


def test_settlement_frees_room_and_happens_once(store):
    ledger = SpendLedger(store, 0.30, at(NOON))
    first, second, third = (ledger.reserve(TEN_CENTS) for _ in range(3))
    assert None not in (first, second, third)
    assert ledger.reserve(TEN_CENTS) is None
    assert ledger.settle("job-1", first, spent_micros=to_micros(0.04)) is True
    assert ledger.settle("job-1", first, spent_micros=to_micros(0.04)) is False
    usage = ledger.usage()
    assert (usage.spentUsd, usage.reservedUsd) == (0.04, 0.2)
    assert ledger.reserve(to_micros(0.06)) is not None  # exactly the released amount
    assert ledger.reserve(1) is None


def test_a_settled_pool_reservation_frees_the_pool(store):
    ledger = SpendLedger(store, 0.10, at(NOON), shards=4)  # $0.025 a shard: pool only
    pooled = ledger.reserve(TEN_CENTS)
    assert pooled is not None and pooled.slot == POOL
    assert ledger.reserve(TEN_CENTS) is None
    ledger.settle("job-p", pooled, 0)
    assert ledger.reserve(TEN_CENTS) is not None


def test_without_a_ceiling_everything_is_admitted_and_counted(store):
    ledger = SpendLedger(store, None, at(NOON))
    for _ in range(5):
        assert ledger.reserve(to_micros(50)) is not None
    usage = ledger.usage()
    assert (usage.reservedUsd, usage.limitUsd) == (250.0, None)


def test_usage_counts_every_object_of_the_day_whatever_layout_wrote_it(store):
    wide = SpendLedger(store, None, at(NOON), shards=budget.MAX_SHARDS)
    for _ in range(20):
        assert wide.reserve(TEN_CENTS) is not None
    narrow = SpendLedger(store, None, at(NOON), shards=2)  # a redeploy with another layout
    assert narrow.reserve(TEN_CENTS) is not None
    assert narrow.usage().reservedUsd == 2.1


def test_each_day_has_its_own_ledger(store):
    now = [NOON]
    ledger = SpendLedger(store, 0.10, lambda: now[0])
    yesterday = ledger.reserve(TEN_CENTS)
    assert ledger.reserve(TEN_CENTS) is None
    now[0] = datetime(2026, 12, 1, 0, 0, 1, tzinfo=UTC)
    assert ledger.reserve(TEN_CENTS) is not None
    # a job of yesterday settles on yesterday's ledger, not today's
    ledger.settle("old", yesterday, TEN_CENTS)
    assert ledger.usage().spentUsd == 0.0
    assert ledger.usage().reservedUsd == 0.1


def test_reservation_round_trips():
    reservation = Reservation("2026-11-30", "3", 5)
    assert Reservation.from_dict(reservation.to_dict()) == reservation


def _race(ledger: SpendLedger, n: int, micros: int) -> tuple[list, float]:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def one(i: int) -> None:
        barrier.wait()
        results[i] = ledger.reserve(micros)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def test_thirty_simultaneous_jobs_under_a_dollar_admit_exactly_ten(store):
    ledger = SpendLedger(store, 1.00, at(NOON))
    results, _ = _race(ledger, 30, TEN_CENTS)
    assert sum(r is not None for r in results) == 10
    assert ledger.usage().reservedUsd == 1.0


def test_simultaneous_settlements_and_reservations_stay_exact(store):
    ledger = SpendLedger(store, 0.50, at(NOON))
    held = [ledger.reserve(TEN_CENTS) for _ in range(5)]
    barrier = threading.Barrier(10)
    granted: list = []

    def settle(i: int) -> None:
        barrier.wait()
        ledger.settle(f"job-{i}", held[i], 0)

    def reserve() -> None:
        barrier.wait()
        granted.append(ledger.reserve(TEN_CENTS))

    threads = [threading.Thread(target=settle, args=(i,)) for i in range(5)]
    threads += [threading.Thread(target=reserve) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    usage = ledger.usage()
    admitted = sum(r is not None for r in granted)
    assert usage.reservedUsd == round(admitted * 0.10, 6) and usage.spentUsd == 0.0
    # every released cent can be reserved again: the ceiling is used to the last one
    while ledger.reserve(TEN_CENTS) is not None:
        admitted += 1
    assert admitted == 5


class _AlwaysLoses:
    """A store whose conditional writes always lose: contention that never ends."""

    def __init__(self, store):
        self._store = store

    def get(self, key):
        return self._store.get(key)

    def put(self, key, data, content_type, **conditions):
        if conditions:
            raise PreconditionFailed(key)
        return self._store.put(key, data, content_type)

    def list(self, *args, **kwargs):
        return self._store.list(*args, **kwargs)


def test_endless_contention_is_busy_not_refused(tmp_path):
    from utils.object_store import LocalObjectStore

    ledger = SpendLedger(_AlwaysLoses(LocalObjectStore(tmp_path)), 1.0, at(NOON), time_budget=0.2)
    with pytest.raises(SpendBusy):
        ledger.reserve(TEN_CENTS)
