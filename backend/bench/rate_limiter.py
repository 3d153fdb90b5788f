"""Figure 6: the rate limiter's cost does not grow with the clients it has seen, and it is exact
under contention.

Growth: one check's latency for a new address with none recorded, then with 10 000 distinct
addresses recorded today, on the local object store (writing 10 000 counters through moto
takes minutes; the limiter's code path is the same, and S3's cost per key does not depend on
how many keys a prefix holds). The ratio of the two medians is the figure.

Contention: 50 threads released at once against a per-IP limit of 10, on S3 (moto's server
with conditional writes); exactly 10 must be admitted.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench.harness import Figure, Settings, at_most, exactly, latency_figures
from bench.s3_server import BUCKET, MotoS3
from utils.object_store import LocalObjectStore, S3ObjectStore
from utils.rate_limit import RateLimiter


def _address(n: int) -> str:
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def _check_millis(limiter: RateLimiter, addresses: range) -> list[float]:
    millis = []
    for n in addresses:
        start = time.perf_counter()
        if not limiter.check(_address(n)).allowed:
            raise RuntimeError("a check under a limit of 10^9 was denied")
        millis.append((time.perf_counter() - start) * 1000)
    return millis


def growth(settings: Settings) -> list[Figure]:
    recorded = settings.pick(10_000, 300)
    samples = settings.pick(500, 50)
    with tempfile.TemporaryDirectory() as data:
        limiter = RateLimiter(LocalObjectStore(Path(data)), 10**9, 10**9)
        empty = _check_millis(limiter, range(samples))
        for n in range(samples, recorded):
            limiter.check(_address(n))
        full = _check_millis(limiter, range(recorded, recorded + samples))
    ratio = statistics.median(full) / statistics.median(empty)
    return [
        *latency_figures("rate limit check, none recorded", empty, store="local"),
        *latency_figures(f"rate limit check, {recorded} IPs recorded", full, store="local"),
        at_most(
            f"rate limit check: {recorded} IPs recorded / none",
            round(ratio, 3),
            "x",
            1.3,
            samples=samples,
        ),
    ]


def contention(settings: Settings, s3: MotoS3) -> list[Figure]:
    clients, limit = 50, 10
    limiter = RateLimiter(S3ObjectStore(s3.client(), BUCKET), 10**9, limit)
    gate = threading.Barrier(clients)
    millis: list[float] = []
    admitted: list[bool] = []
    lock = threading.Lock()

    def client() -> None:
        gate.wait()
        start = time.perf_counter()
        allowed = limiter.check("198.51.100.7").allowed
        with lock:
            millis.append((time.perf_counter() - start) * 1000)
            admitted.append(allowed)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [
        exactly(
            f"rate limit: {clients} concurrent checks, limit {limit}, admitted",
            sum(admitted),
            "requests",
            limit,
            store="s3",
        ),
        *latency_figures(f"rate limit check under {clients}-way contention", millis, store="s3"),
    ]
