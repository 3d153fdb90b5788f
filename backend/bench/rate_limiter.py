"""Figure 6: the rate limiter's cost does not grow with the clients it has seen, and it is exact
under contention.

Growth: one check's latency for a new address on a limiter with none recorded, and on one
with 10 000 distinct addresses recorded today, on the local object store (writing 10 000
counters through moto takes minutes; the limiter's code path is the same, and S3's cost per
key does not depend on how many keys a prefix holds). The two are checked in turn, one and
one, so that the machine's drift over the run falls on both alike; the ratio of the two
medians is the figure.

Contention: 50 threads released at once against a per-IP limit of 10, on S3 (moto's server
with conditional writes); exactly 10 must be admitted.

Crowd: 200 threads from 200 distinct addresses released at once with both limits far above
(none may be refused, nor answered busy), then 100 at once against ``GLOBAL_LIMIT=25``
(exactly 25 admitted, the rest refused by the global window, none busy), on S3.
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
from utils.rate_limit import RateDecision, RateLimiter

KEY = b"bench-rate-limit-key-0123456789ab"


def _address(n: int) -> str:
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def _check_millis(limiter: RateLimiter, n: int) -> float:
    start = time.perf_counter()
    if not limiter.check(_address(n)).allowed:
        raise RuntimeError("a check under a limit of 10^9 was denied")
    return (time.perf_counter() - start) * 1000


def growth(settings: Settings) -> list[Figure]:
    recorded = settings.pick(10_000, 300)
    samples = settings.pick(500, 50)
    empty: list[float] = []
    full: list[float] = []
    with tempfile.TemporaryDirectory() as fresh, tempfile.TemporaryDirectory() as busy:
        new = RateLimiter(LocalObjectStore(Path(fresh)), 10**9, 10**9, key=KEY)
        seen = RateLimiter(LocalObjectStore(Path(busy)), 10**9, 10**9, key=KEY)
        for n in range(recorded):
            seen.check(_address(n))
        for n in range(recorded, recorded + samples):
            empty.append(_check_millis(new, n))
            full.append(_check_millis(seen, n))
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
    limiter = RateLimiter(S3ObjectStore(s3.client(), BUCKET), 10**9, limit, key=KEY)
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


def _together(limiter: RateLimiter, clients: int, subnet: int) -> tuple[list[RateDecision], list]:
    """``clients`` checks from distinct addresses released at once; decisions and latencies."""
    gate = threading.Barrier(clients)
    decisions: list[RateDecision] = []
    millis: list[float] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        gate.wait()
        start = time.perf_counter()
        decision = limiter.check(f"10.{subnet}.{n >> 8 & 255}.{n & 255}")
        with lock:
            millis.append((time.perf_counter() - start) * 1000)
            decisions.append(decision)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return decisions, millis


def crowd(settings: Settings, s3: MotoS3) -> list[Figure]:
    """Many distinct clients at once: no wrong refusal far below the limits, exact at them."""
    import boto3
    from botocore.config import Config

    crowd_size, at_limit, limit = settings.pick(200, 40), settings.pick(100, 40), 25
    figures: list[Figure] = []
    for name, size, global_limit in (("far", crowd_size, 10**9), ("at", at_limit, limit)):
        bucket = f"{BUCKET}-crowd-{name}"
        # As bootstrap configures it: a pool as large as the threads sharing the client.
        config = Config(max_pool_connections=64)
        boto = boto3.client("s3", endpoint_url=s3.endpoint, config=config)
        boto.create_bucket(Bucket=bucket)
        limiter = RateLimiter(S3ObjectStore(boto, bucket), global_limit, 10**9, key=KEY)
        decisions, millis = _together(limiter, size, 20 if name == "far" else 21)
        busy = sum(d.busy for d in decisions)
        if name == "far":
            refused = sum(not d.allowed for d in decisions)
            figures.append(
                exactly(
                    f"rate limit: {size} concurrent distinct addresses, limits far above, refused",
                    refused,
                    "requests",
                    0,
                    store="s3",
                    busy=busy,
                )
            )
            figures += latency_figures(f"rate limit check, {size} at once", millis, store="s3")
        else:
            figures.append(
                exactly(
                    f"rate limit: {size} concurrent at GLOBAL_LIMIT={limit}, admitted",
                    sum(d.allowed for d in decisions),
                    "requests",
                    limit,
                    store="s3",
                    busy=busy,
                )
            )
    return figures
