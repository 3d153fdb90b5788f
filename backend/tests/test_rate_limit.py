"""Rate limiter on both object stores: S3 (moto) and the local directory store."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from collections import Counter
from datetime import UTC, datetime

import pytest

from utils.object_store import LocalObjectStore, PreconditionFailed
from utils.rate_limit import BUSY, RateDecision, RateLimiter

KEY = b"test-rate-limit-key-0123456789"
START = datetime(2026, 11, 26, 13, 45, 30, tzinfo=UTC).timestamp()
SECONDS_TO_HOUR_END = 14 * 60 + 30
SECONDS_TO_DAY_END = 10 * 3600 + SECONDS_TO_HOUR_END


class FakeClock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


def all_keys(store) -> list[str]:
    keys: list[str] = []
    start_after = None
    while True:
        page = store.list("", start_after=start_after)
        keys.extend(page.keys)
        if not page.truncated:
            return keys
        start_after = page.keys[-1]


def count_at(store, key: str) -> int:
    return json.loads(store.get(key).data)["count"]


def counts_under(store, prefix: str) -> list[int]:
    return [count_at(store, key) for key in all_keys(store) if key.startswith(prefix)]


def test_global_limit_denies_the_request_after_the_limit_until_the_hour_ends(store, clock):
    limiter = RateLimiter(
        store, global_limit=3, ip_limit=100, whitelist=frozenset(), clock=clock, key=KEY
    )
    decisions = [limiter.check(f"198.51.100.{n}") for n in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[-1] == RateDecision(
        allowed=False, scope="global", retry_after=SECONDS_TO_HOUR_END, limit=3, remaining=0
    )
    assert decisions[0].scope is None and decisions[0].retry_after == 0


def test_ip_limit_is_per_address_per_day(store, clock):
    limiter = RateLimiter(
        store, global_limit=100, ip_limit=2, whitelist=frozenset(), clock=clock, key=KEY
    )
    assert limiter.check("203.0.113.7").allowed
    clock.now += 3600  # still the same UTC day, next hour
    second = limiter.check("203.0.113.7")
    assert second.allowed and second.limit == 2 and second.remaining == 0
    denied = limiter.check("203.0.113.7")
    assert denied == RateDecision(
        allowed=False, scope="ip", retry_after=SECONDS_TO_DAY_END - 3600, limit=2, remaining=0
    )
    assert limiter.check("203.0.113.8").allowed


def test_allowed_decision_reports_the_clients_own_window(store, clock):
    limiter = RateLimiter(
        store, global_limit=5, ip_limit=3, whitelist=frozenset(), clock=clock, key=KEY
    )
    assert limiter.check("192.0.2.1") == RateDecision(True, None, 0, limit=3, remaining=2)
    assert limiter.check("192.0.2.1") == RateDecision(True, None, 0, limit=3, remaining=1)
    assert limiter.check("192.0.2.4") == RateDecision(True, None, 0, limit=3, remaining=2)


def test_global_window_rolls_over_at_the_next_hour(store, clock):
    limiter = RateLimiter(
        store, global_limit=2, ip_limit=100, whitelist=frozenset(), clock=clock, key=KEY
    )
    assert limiter.check("192.0.2.1").allowed
    assert limiter.check("192.0.2.2").allowed
    assert not limiter.check("192.0.2.3").allowed
    clock.now += SECONDS_TO_HOUR_END - 1
    assert limiter.check("192.0.2.3").retry_after == 1
    clock.now += 1  # 14:00:00 exactly
    assert limiter.check("192.0.2.3").allowed


def test_ip_window_rolls_over_at_the_next_day_not_the_next_hour(store, clock):
    limiter = RateLimiter(
        store, global_limit=100, ip_limit=1, whitelist=frozenset(), clock=clock, key=KEY
    )
    assert limiter.check("192.0.2.1").allowed
    clock.now += SECONDS_TO_HOUR_END  # next hour, same day
    assert limiter.check("192.0.2.1").scope == "ip"
    clock.now = START + SECONDS_TO_DAY_END  # 00:00:00 the next day
    assert limiter.check("192.0.2.1").allowed


def test_retry_after_is_at_least_one_second(store, clock):
    clock.now = START + SECONDS_TO_HOUR_END - 0.25
    limiter = RateLimiter(
        store, global_limit=0, ip_limit=5, whitelist=frozenset(), clock=clock, key=KEY
    )
    assert limiter.check("192.0.2.1").retry_after == 1


def test_whitelisted_addresses_are_unlimited_and_not_counted(store, clock):
    limiter = RateLimiter(
        store,
        global_limit=3,
        ip_limit=2,
        whitelist=frozenset({"10.0.0.1", "2001:db8::5"}),
        clock=clock,
        key=KEY,
    )
    for _ in range(20):
        assert limiter.check("10.0.0.1") == RateDecision(True, None, 0, None, None)
    assert limiter.check("2001:DB8:0:0::5").allowed  # same address, another spelling
    assert all_keys(store) == []
    assert limiter.check("10.0.0.2").allowed
    assert limiter.check("10.0.0.2").allowed
    assert limiter.check("10.0.0.2").scope == "ip"
    assert limiter.check("10.0.0.3").allowed
    assert limiter.check("10.0.0.4").scope == "global"
    # Exact match only: a neighbour of a whitelisted address is limited.
    assert limiter.check("10.0.0.10").scope == "global"


def test_denied_requests_are_not_counted(store, clock):
    limiter = RateLimiter(
        store, global_limit=4, ip_limit=2, whitelist=frozenset(), clock=clock, key=KEY
    )
    assert limiter.check("192.0.2.1").allowed
    assert limiter.check("192.0.2.1").allowed
    for _ in range(5):
        assert limiter.check("192.0.2.1").scope == "ip"
    assert counts_under(store, "rate-limit/ip/") == [2]
    assert sum(counts_under(store, "rate-limit/global/")) == 2
    # The global window has room for exactly two more, whatever the blocked client did.
    assert limiter.check("192.0.2.2").allowed
    assert limiter.check("192.0.2.3").allowed
    assert limiter.check("192.0.2.4").scope == "global"


def test_a_global_denial_gives_the_ip_slot_back(store, clock):
    limiter = RateLimiter(
        store, global_limit=1, ip_limit=2, whitelist=frozenset(), clock=clock, key=KEY
    )
    assert limiter.check("192.0.2.1").allowed
    for _ in range(5):
        assert limiter.check("192.0.2.2").scope == "global"
    assert sorted(counts_under(store, "rate-limit/ip/")) == [0, 1]
    clock.now += SECONDS_TO_HOUR_END  # new hour: 192.0.2.2 still has its full day allowance
    assert limiter.check("192.0.2.2").allowed
    clock.now += 3600
    assert limiter.check("192.0.2.2").allowed
    clock.now += 3600
    assert limiter.check("192.0.2.2").scope == "ip"


def test_ipv6_addresses_are_limited_per_address(store, clock):
    limiter = RateLimiter(
        store, global_limit=100, ip_limit=2, whitelist=frozenset(), clock=clock, key=KEY
    )
    assert limiter.check("2001:db8::1").allowed
    assert limiter.check("2001:0DB8:0000:0000:0000:0000:0000:0001").allowed  # same address
    assert limiter.check("2001:db8::1").scope == "ip"
    assert limiter.check("2001:db8::2").allowed
    assert limiter.check("::ffff:192.0.2.9").allowed
    assert limiter.check("192.0.2.9").allowed  # IPv4-mapped form counts as the IPv4 address
    assert limiter.check("192.0.2.9").scope == "ip"
    assert not any(":" in key.removeprefix("rate-limit/") for key in all_keys(store))


def test_keys_are_small_counters_under_rate_limit_without_raw_addresses(store, clock):
    limiter = RateLimiter(
        store, global_limit=100, ip_limit=5, whitelist=frozenset(), clock=clock, key=KEY
    )
    addresses = ["203.0.113.7", "2001:db8:85a3::8a2e:370:7334", "198.51.100.23"]
    for address in addresses:
        limiter.check(address)
    keys = all_keys(store)
    assert keys and all(key.startswith("rate-limit/") for key in keys)
    global_keys = [key for key in keys if key.startswith("rate-limit/global/2026-11-26T13/")]
    assert global_keys and all(
        key.split("/")[-1] in {f"{n}.json" for n in range(64)} for key in global_keys
    )
    ip_keys = [key for key in keys if key.startswith("rate-limit/ip/2026-11-26/")]
    assert len(ip_keys) == 3
    for key in ip_keys:
        digest = key.removeprefix("rate-limit/ip/2026-11-26/").removesuffix(".json")
        assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")
        assert json.loads(store.get(key).data) == {"count": 1}
    for address in [*addresses, "203-0-113-7", "2001:db8:85a3"]:
        assert not any(address in key for key in keys)


def test_address_keys_are_an_hmac_with_the_secret_not_a_plain_hash(store, clock):
    other_key = b"another-secret-key-of-32-bytes!!"
    RateLimiter(store, 100, 5, frozenset(), clock, key=KEY).check("203.0.113.7")
    RateLimiter(store, 100, 5, frozenset(), clock, key=other_key).check("203.0.113.7")
    digests = {
        key.rsplit("/", 1)[-1].removesuffix(".json")
        for key in all_keys(store)
        if key.startswith("rate-limit/ip/")
    }
    expected = {
        hmac.new(secret, b"203.0.113.7", hashlib.sha256).hexdigest() for secret in (KEY, other_key)
    }
    assert digests == expected
    # Hashing every IPv4 address without the secret finds nothing.
    assert hashlib.sha256(b"203.0.113.7").hexdigest() not in digests


def test_a_short_or_missing_key_is_refused(tmp_path):
    local = LocalObjectStore(tmp_path / "data")
    with pytest.raises(ValueError):
        RateLimiter(local, 10, 10, key=b"short")
    with pytest.raises(TypeError):
        RateLimiter(local, 10, 10)  # type: ignore[call-arg]


def run_together(count: int, work) -> list[RateDecision]:
    barrier = threading.Barrier(count)
    results: list[RateDecision | None] = [None] * count
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return [result for result in results if result is not None]


def generous(store, clock, **limits) -> RateLimiter:
    return RateLimiter(
        store,
        **limits,
        whitelist=frozenset(),
        clock=clock,
        max_attempts=10_000,
        time_budget=60,
        key=KEY,
    )


def test_concurrent_requests_from_one_address_admit_exactly_the_ip_limit(store, clock):
    limiter = generous(store, clock, global_limit=1000, ip_limit=10)
    decisions = run_together(50, lambda _: limiter.check("203.0.113.50"))
    assert len(decisions) == 50
    assert Counter((d.allowed, d.scope) for d in decisions) == {(True, None): 10, (False, "ip"): 40}
    assert counts_under(store, "rate-limit/ip/") == [10]
    assert sum(counts_under(store, "rate-limit/global/")) == 10


def test_concurrent_requests_admit_exactly_the_global_limit(store, clock):
    limiter = generous(store, clock, global_limit=10, ip_limit=5)
    decisions = run_together(50, lambda i: limiter.check(f"198.51.100.{i}"))
    assert len(decisions) == 50
    assert Counter((d.allowed, d.scope) for d in decisions) == {
        (True, None): 10,
        (False, "global"): 40,
    }
    assert sum(counts_under(store, "rate-limit/global/")) == 10
    # Every denied request gave its IP slot back.
    assert sorted(counts_under(store, "rate-limit/ip/"), reverse=True) == [1] * 10 + [0] * 40


class CountingStore:
    """Passes calls through to a store, counting them per operation."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    def get(self, key):
        self.calls["get"] += 1
        return self.inner.get(key)

    def put(self, key, data, content_type, **conditions):
        self.calls["put"] += 1
        self.calls["bytes_written"] += len(data)
        return self.inner.put(key, data, content_type, **conditions)

    def list(self, prefix, **options):
        self.calls["list"] += 1
        return self.inner.list(prefix, **options)


def test_cost_of_a_check_does_not_grow_with_the_number_of_addresses(store, clock):
    costs = []
    for prior in (1, 200):
        counting = CountingStore(store)
        limiter = RateLimiter(counting, 10_000, 5, frozenset(), clock, key=KEY)
        for n in range(prior):
            assert limiter.check(f"10.{prior % 256}.{n // 256}.{n % 256}").allowed
        counting.calls.clear()
        assert limiter.check(f"172.16.0.{prior % 256}").allowed
        costs.append(dict(counting.calls))
        clock.now += 3600  # a fresh global window for the second round
    assert costs[0]["get"] == costs[1]["get"] == 2
    assert costs[0]["put"] == costs[1]["put"] == 2
    assert costs[1]["bytes_written"] <= costs[0]["bytes_written"] + 2  # digits of the count
    assert "list" not in costs[0] and "list" not in costs[1]


class AlwaysLosingStore(CountingStore):
    """Every conditional write loses, as if another writer always got there first."""

    def put(self, key, data, content_type, **conditions):
        self.calls["put"] += 1
        raise PreconditionFailed(key)


def test_endless_contention_is_busy_within_the_attempt_budget(tmp_path, clock, caplog):
    losing = AlwaysLosingStore(LocalObjectStore(tmp_path / "data"))
    sleeps: list[float] = []
    limiter = RateLimiter(
        losing, 10, 10, frozenset(), clock, max_attempts=7, sleep=sleeps.append, key=KEY
    )
    with caplog.at_level(logging.WARNING, logger="utils.rate_limit"):
        decision = limiter.check("192.0.2.1")
    assert decision == BUSY and decision.retry_after == 1
    assert losing.calls["put"] == 7
    assert len(sleeps) == 6 and all(0 <= delay <= 0.1 for delay in sleeps)
    assert "answering busy" in caplog.text
    assert "192.0.2.1" not in caplog.text


def test_endless_contention_is_busy_within_the_time_budget(tmp_path, clock):
    losing = AlwaysLosingStore(LocalObjectStore(tmp_path / "data"))
    elapsed = FakeClock(0.0)

    def fake_sleep(delay: float) -> None:
        elapsed.now += 0.5

    limiter = RateLimiter(
        losing,
        10,
        10,
        frozenset(),
        clock,
        time_budget=2.0,
        monotonic=elapsed,
        sleep=fake_sleep,
        key=KEY,
    )
    assert limiter.check("192.0.2.1") == BUSY
    assert losing.calls["put"] == 5  # tries at t=0, 0.5, 1.0, 1.5, 2.0; then out of time


class GlobalLosingStore(CountingStore):
    """Writes to the global counter always lose; everything else goes through."""

    def put(self, key, data, content_type, **conditions):
        if key.startswith("rate-limit/global/"):
            self.calls["put"] += 1
            raise PreconditionFailed(key)
        return super().put(key, data, content_type, **conditions)


def test_contention_on_the_global_counter_is_busy_and_gives_the_ip_slot_back(store, clock):
    limiter = RateLimiter(
        GlobalLosingStore(store),
        10,
        10,
        frozenset(),
        clock,
        max_attempts=3,
        sleep=lambda _: None,
        key=KEY,
    )
    decision = limiter.check("192.0.2.1")
    assert decision == BUSY and decision.scope is None  # never "the limit is reached"
    assert counts_under(store, "rate-limit/ip/") == [0]


def test_an_unreadable_counter_is_reset(store, clock):
    store.put("rate-limit/global/2026-11-26T13/0.json", b"not json", "application/json")
    limiter = RateLimiter(store, 10, 10, frozenset(), clock, global_shards=1, key=KEY)
    assert limiter.check("192.0.2.1").allowed
    assert count_at(store, "rate-limit/global/2026-11-26T13/0.json") == 1


@pytest.mark.parametrize(
    ("limit", "shards", "used"), [(3, 8, 1), (10, 8, 3), (17, 4, 4), (1, 1, 1), (400, 64, 64)]
)
def test_the_sharded_global_window_admits_exactly_its_limit(store, clock, limit, shards, used):
    limiter = RateLimiter(store, limit, 1000, frozenset(), clock, global_shards=shards, key=KEY)
    decisions = [limiter.check(f"10.0.{n // 250}.{n % 250}") for n in range(limit + 5)]
    assert sum(d.allowed for d in decisions) == limit
    assert all(d.scope == "global" for d in decisions if not d.allowed)
    counts = counts_under(store, "rate-limit/global/2026-11-26T13/")
    assert sum(counts) == limit and len(counts) == used  # shards of at least 4


def test_invalid_configuration_is_refused(tmp_path):
    local = LocalObjectStore(tmp_path / "data")
    with pytest.raises(ValueError):
        RateLimiter(local, -1, 10, frozenset(), key=KEY)
    with pytest.raises(ValueError):
        RateLimiter(local, 10, 10, frozenset(), max_attempts=0, key=KEY)
    with pytest.raises(TypeError):
        RateLimiter(local, 10, 10, "10.0.0.1", key=KEY)  # type: ignore[arg-type]


def test_two_hundred_concurrent_addresses_far_below_the_limits_are_all_admitted(store, clock):
    """Issue 13.1: contention on the global window must not refuse anyone (default budget)."""
    limiter = RateLimiter(store, 10**9, 10**9, frozenset(), clock, key=KEY)
    decisions = run_together(200, lambda i: limiter.check(f"10.7.{i // 250}.{i % 250}"))
    assert Counter((d.allowed, d.scope) for d in decisions) == {(True, None): 200}
    assert sum(counts_under(store, "rate-limit/global/")) == 200


def test_a_hundred_concurrent_requests_at_a_global_limit_of_25_admit_exactly_25(store, clock):
    limiter = RateLimiter(store, 25, 10**9, frozenset(), clock, key=KEY)
    decisions = run_together(100, lambda i: limiter.check(f"10.8.{i // 250}.{i % 250}"))
    assert Counter((d.allowed, d.scope) for d in decisions) == {
        (True, None): 25,
        (False, "global"): 75,
    }
    assert sum(counts_under(store, "rate-limit/global/")) == 25


def test_a_full_shard_is_remembered_for_the_rest_of_its_window(store, clock):
    counting = CountingStore(store)
    limiter = RateLimiter(counting, 8, 100, frozenset(), clock, key=KEY)  # two shards of 4
    for n in range(8):
        assert limiter.check(f"10.9.0.{n}").allowed
    assert limiter.check("10.9.0.8").scope == "global"
    counting.calls.clear()
    assert limiter.check("10.9.0.9").scope == "global"
    assert counting.calls["get"] == 2  # the IP counter, read and given back; no shard read
    clock.now += SECONDS_TO_HOUR_END  # a new window forgets them
    assert limiter.check("10.9.0.9").allowed


class SlowStore(CountingStore):
    """Every call takes 30 s of the limiter's monotonic clock: slow, but never contended."""

    def __init__(self, inner, elapsed: FakeClock) -> None:
        super().__init__(inner)
        self.elapsed = elapsed

    def get(self, key):
        self.elapsed.now += 30
        return super().get(key)

    def put(self, key, data, content_type, **conditions):
        self.elapsed.now += 30
        return super().put(key, data, content_type, **conditions)


def test_a_slow_store_is_not_contention(store, clock):
    elapsed = FakeClock(0.0)
    limiter = RateLimiter(
        SlowStore(store, elapsed),
        10,
        10,
        frozenset(),
        clock,
        key=KEY,
        monotonic=elapsed,
        time_budget=10,
    )
    decision = limiter.check("192.0.2.1")
    assert decision.allowed and not decision.busy
    assert elapsed.now >= 120  # four calls of 30 s, far past the 10 s contention budget
