"""The compact pairwise tally the leaderboard is fitted from, kept in the object store.

Reading the leaderboard never scans votes: every vote adds one to a pair's count in a small
JSON document, and the leaderboard reads the documents. The tally is split into ``SHARDS``
documents (``arena/tally/NN.json``) whose counts add up: every vote would otherwise update one
object, and optimistic writes to one hot key starve under concurrency (as the rate limiter
found for its global counter). A vote tries the shards in a random order and moves to the next
one when it loses a conditional write (read, then ``if_match`` the etag read, or
``if_none_match`` when creating), so no count is ever lost or applied twice.

Measured with 60 votes released at once on moto's S3 server (``python -m bench.arena_votes``,
the ``arena`` group of ``make bench``): with one shard every vote was counted, but a vote lost
10.9 conditional writes on average (24 for the unluckiest) and took 10.9 s at the median:
starved. With 16 shards, 1.1 lost writes per vote (4 at most) and 0.8 s at the median on the
same machine. Hence 16: a leaderboard read costs 16 small GETs.

A shard: ``{"votes": n, "updatedAt", "pairs": [[a, b, a_wins, b_wins, ties], ...],
"models": {model: {"name", "seconds": [recent durations]}}}`` where a model is
``"<provider> <modelId>"`` (``model_key``): a model keeps its record when its display name or
its MODEL_N position changes (the provider names have no spaces, so the key splits back).
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from arena import PREFIX as ARENA_PREFIX
from arena.ratings import PairCount
from jobs.document import iso, utc_now
from utils.object_store import ObjectNotFound, ObjectStore, PreconditionFailed

log = logging.getLogger(__name__)

PREFIX = ARENA_PREFIX + "tally/"
SHARDS = 16
MAX_ATTEMPTS = 200
SECONDS_KEPT = 50
"""Recent generation times kept per model and shard (the leaderboard's ``medianSeconds``)."""


def model_key(provider: str, model_id: str) -> str:
    """A model's identity in the arena: provider and model id, not its display name."""
    return f"{provider} {model_id}"


def split_key(key: str) -> tuple[str, str]:
    provider, _, model_id = key.partition(" ")
    return provider, model_id


@dataclass(frozen=True)
class Side:
    """One result of a vote: which model, its display name, how long it took."""

    key: str
    name: str
    seconds: float | None


@dataclass
class Tally:
    """Counts by pair (``a < b``), model names and recent durations, and the vote total."""

    votes: int = 0
    updated_at: str | None = None
    pairs: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, list[float]] = field(default_factory=dict)

    def add_vote(self, first: Side, second: Side, outcome: str, now: datetime) -> None:
        """``outcome``: ``"first"`` won, ``"second"`` won, or ``"tie"``."""
        a, b = sorted((first.key, second.key))
        counts = self.pairs.setdefault((a, b), [0, 0, 0])
        if outcome == "tie":
            counts[2] += 1
        else:
            winner = first.key if outcome == "first" else second.key
            counts[0 if winner == a else 1] += 1
        for side in (first, second):
            self.names[side.key] = side.name
            if side.seconds is not None:
                kept = self.seconds.setdefault(side.key, [])
                kept.append(round(float(side.seconds), 3))
                del kept[:-SECONDS_KEPT]
        self.votes += 1
        self.updated_at = iso(now)

    def merge(self, other: Tally) -> None:
        self.votes += other.votes
        if other.updated_at and (self.updated_at is None or other.updated_at > self.updated_at):
            self.updated_at = other.updated_at
        for pair, counts in other.pairs.items():
            mine = self.pairs.setdefault(pair, [0, 0, 0])
            for i in range(3):
                mine[i] += counts[i]
        self.names.update(other.names)
        for key, values in other.seconds.items():
            self.seconds.setdefault(key, []).extend(values)

    def pair_counts(self) -> list[PairCount]:
        return [PairCount(a, b, *counts) for (a, b), counts in sorted(self.pairs.items())]

    def record(self, key: str) -> tuple[int, int, int]:
        """(wins, losses, ties) of one model."""
        wins = losses = ties = 0
        for (a, b), (a_wins, b_wins, drawn) in self.pairs.items():
            if key == a:
                wins, losses, ties = wins + a_wins, losses + b_wins, ties + drawn
            elif key == b:
                wins, losses, ties = wins + b_wins, losses + a_wins, ties + drawn
        return wins, losses, ties

    def to_json(self) -> bytes:
        body = {
            "votes": self.votes,
            "updatedAt": self.updated_at,
            "pairs": [[a, b, *counts] for (a, b), counts in sorted(self.pairs.items())],
            "models": {
                key: {"name": self.names.get(key, key), "seconds": self.seconds.get(key, [])}
                for key in sorted(set(self.names) | set(self.seconds))
            },
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Tally:
        body = json.loads(data)
        models = body.get("models", {})
        return cls(
            votes=int(body.get("votes", 0)),
            updated_at=body.get("updatedAt"),
            pairs={(a, b): [int(x), int(y), int(t)] for a, b, x, y, t in body.get("pairs", [])},
            names={key: value.get("name", key) for key, value in models.items()},
            seconds={key: list(value.get("seconds", [])) for key, value in models.items()},
        )


class TallyUnavailable(Exception):
    """Every attempt to add a vote lost its conditional write (sustained contention)."""


class TallyStore:
    def __init__(
        self,
        store: ObjectStore,
        shards: int = SHARDS,
        clock: Callable[[], datetime] = utc_now,
        max_attempts: int = MAX_ATTEMPTS,
        rng: random.Random | None = None,
    ) -> None:
        self._store = store
        self._shards = shards
        self._clock = clock
        self._max_attempts = max_attempts
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self.lost_writes = 0
        """Conditional writes lost so far (the contention measure)."""

    def _key(self, shard: int) -> str:
        return f"{PREFIX}{shard:02d}.json"

    def _shard_order(self) -> list[int]:
        with self._lock:
            order = list(range(self._shards))
            self._rng.shuffle(order)
        return order

    def add(self, first: Side, second: Side, outcome: str) -> int:
        """Count one vote; returns the number of lost writes it took (0 when uncontended).
        Raises ``TallyUnavailable`` after ``max_attempts`` lost writes."""
        order = self._shard_order()
        for attempt in range(self._max_attempts):
            key = self._key(order[attempt % len(order)])
            try:
                stored = self._store.get(key)
                tally, etag = Tally.from_json(stored.data), stored.etag
            except ObjectNotFound:
                tally, etag = Tally(), None
            tally.add_vote(first, second, outcome, self._clock())
            try:
                if etag is None:
                    self._store.put(key, tally.to_json(), "application/json", if_none_match=True)
                else:
                    self._store.put(key, tally.to_json(), "application/json", if_match=etag)
            except PreconditionFailed:
                with self._lock:
                    self.lost_writes += 1
                if attempt + 1 >= len(order):  # every shard was tried: back off a little
                    time.sleep(self._rng.uniform(0, 0.02))
                continue
            return attempt
        raise TallyUnavailable(f"the vote lost {self._max_attempts} conditional writes")

    def read(self) -> Tally:
        """The whole tally: every shard, added up (``SHARDS`` small GETs, never a vote scan)."""
        total = Tally()
        for shard in range(self._shards):
            try:
                total.merge(Tally.from_json(self._store.get(self._key(shard)).data))
            except ObjectNotFound:
                continue
        return total


def median(values: Iterable[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
