"""The arena tally under contention: 60 votes released at once, each adding itself to the
sharded pairwise tally (``arena.tally``) with conditional writes, on S3 (moto's server).

Every vote must be counted exactly once (the tally's total is the figure with a target), and
the lost conditional writes per vote show how hot the tally objects are: measured with one
shard (every vote on one object) and with the shipped ``SHARDS``. ``python -m
bench.arena_votes`` prints the figures alone.
"""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

from bench.harness import Figure, Settings, exactly, latency_figures
from bench.s3_server import BUCKET, MotoS3

VOTES = 60
SHARDS = 16  # arena.tally.SHARDS, checked in measure (src/ is on the path once harness loads)


def _run(s3: MotoS3, shards: int, votes: int) -> tuple[Any, list[int], list[float]]:
    from arena.tally import PREFIX, Side, TallyStore
    from utils.object_store import S3ObjectStore

    client = s3.client()
    for key in [
        o["Key"] for o in client.list_objects_v2(Bucket=BUCKET, Prefix=PREFIX).get("Contents", [])
    ]:
        client.delete_object(Bucket=BUCKET, Key=key)
    tally = TallyStore(S3ObjectStore(client, BUCKET), shards=shards)
    gate = threading.Barrier(votes)
    attempts: list[int] = []
    millis: list[float] = []
    lock = threading.Lock()

    def vote(n: int) -> None:
        first = Side(f"local local-{n % 3}", f"model {n % 3}", 1.0)
        second = Side(f"local local-{(n + 1) % 3}", f"model {(n + 1) % 3}", 2.0)
        gate.wait()
        start = time.perf_counter()
        lost = tally.add(first, second, "first")
        with lock:
            attempts.append(lost)
            millis.append((time.perf_counter() - start) * 1000)

    threads = [threading.Thread(target=vote, args=(n,)) for n in range(votes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, attempts, millis


def measure(settings: Settings, s3: MotoS3) -> list[Figure]:
    from arena import tally

    assert tally.SHARDS == SHARDS, "measure the shard count that ships"
    votes = settings.pick(VOTES, 12)
    figures: list[Figure] = []
    for shards in (1, SHARDS):
        tally, lost, millis = _run(s3, shards, votes)
        counted = tally.read().votes
        figures += [
            exactly(
                f"arena: {votes} votes at once, {shards} shard(s), counted",
                counted,
                "votes",
                votes,
                store="s3",
            ),
            Figure(
                f"arena: lost writes per vote, {shards} shard(s)",
                round(tally.lost_writes / votes, 2),
                "writes",
                {"store": "s3"},
            ),
            Figure(
                f"arena: most lost writes of one vote, {shards} shard(s)",
                max(lost),
                "writes",
                {"median": statistics.median(lost)},
            ),
            *latency_figures(f"arena vote tally, {shards} shard(s)", millis, store="s3"),
        ]
    return figures


if __name__ == "__main__":
    with MotoS3() as s3:
        for figure in measure(Settings(), s3):
            print(f"{figure.name:60} {figure.value:>10} {figure.unit} {figure.params}")
