"""``Idempotency-Key`` on ``POST /generate``: one key, one job, for 24 hours.

The first request with a key writes ``idempotency/{sha256(key)}.json`` create-only, naming the
job id it is about to create and a fingerprint of its body (the parsed prompt and parameters,
so whitespace or key order do not matter). Exactly one of two simultaneous requests wins that
write; the other reads the record and answers with the same job id. A later request with the
key gets that job back (no new job, no reservation, no rate-limit count) when the body
matches, and 409 ``IDEMPOTENCY_KEY_REUSED`` when it does not.

When the first request is refused after its claim (rate limit, spend ceiling, dispatch) the
record is marked ``refused`` and the next request with the key starts afresh; so does one
arriving after 24 hours. Keys are stored hashed, never as sent.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from utils.object_store import ObjectNotFound, ObjectStore, PreconditionFailed

PREFIX = "idempotency/"
TTL = timedelta(hours=24)
PENDING, REFUSED = "pending", "refused"


def fingerprint(prompt: str, parameters: dict[str, Any]) -> str:
    """What makes two bodies 'the same request': the validated prompt and parameters."""
    canonical = json.dumps({"prompt": prompt, "parameters": parameters}, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Record:
    jobId: str
    fingerprint: str
    createdAt: str
    state: str = PENDING


@dataclass(frozen=True)
class Claim:
    """``new``: this request owns the key and creates ``job_id``; ``replay``: answer with the
    existing ``job_id``; ``reused``: the key was used with another body; ``busy``: the first
    request with this key is still being decided."""

    outcome: str
    job_id: str
    etag: str | None = None


def expired(record: Record, now: datetime) -> bool:
    created = datetime.fromisoformat(record.createdAt.replace("Z", "+00:00"))
    return now - created >= TTL


class IdempotencyStore:
    def __init__(
        self,
        store: ObjectStore,
        job_exists: Callable[[str], bool],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        *,
        wait_seconds: float = 5.0,
        poll_seconds: float = 0.05,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """``job_exists(job_id)`` tells whether the owner of a key has created its job yet."""
        self._store = store
        self._job_exists = job_exists
        self._clock = clock
        self._wait = wait_seconds
        self._poll = poll_seconds
        self._sleep = sleep
        self._monotonic = monotonic

    def claim(self, key: str, body_fingerprint: str) -> Claim:
        """Take ``key`` for a new job, or find the job it already names."""
        name = self._key(key)
        deadline = self._monotonic() + self._wait
        while True:
            now = self._clock()
            fresh = Record(str(uuid.uuid4()), body_fingerprint, now.isoformat())
            try:
                etag = self._store.put(
                    name, self._encode(fresh), "application/json", if_none_match=True
                )
                return Claim("new", fresh.jobId, etag)
            except PreconditionFailed:
                pass
            try:
                stored = self._store.get(name)
            except ObjectNotFound:
                continue  # vanished between the two calls: try to create it again
            record = Record(**json.loads(stored.data))
            if record.state == REFUSED or expired(record, now):
                try:
                    etag = self._store.put(
                        name, self._encode(fresh), "application/json", if_match=stored.etag
                    )
                    return Claim("new", fresh.jobId, etag)
                except PreconditionFailed:
                    continue  # another request took it over first; read what it wrote
            if record.fingerprint != body_fingerprint:
                return Claim("reused", record.jobId)
            if self._job_exists(record.jobId):
                return Claim("replay", record.jobId)
            if self._monotonic() >= deadline:
                return Claim("busy", record.jobId)
            self._sleep(self._poll)  # the owner is between its claim and its job: wait

    def refuse(self, key: str, claim: Claim) -> None:
        """The owner of ``claim`` was refused: free the key for the next request."""
        name = self._key(key)
        try:
            stored = self._store.get(name)
        except ObjectNotFound:
            return
        record = Record(**json.loads(stored.data))
        if record.jobId != claim.job_id:
            return
        refused = Record(record.jobId, record.fingerprint, record.createdAt, REFUSED)
        with contextlib.suppress(PreconditionFailed):  # someone else already moved on from it
            self._store.put(name, self._encode(refused), "application/json", if_match=stored.etag)

    @staticmethod
    def _key(key: str) -> str:
        return f"{PREFIX}{hashlib.sha256(key.encode()).hexdigest()}.json"

    @staticmethod
    def _encode(record: Record) -> bytes:
        return json.dumps(asdict(record)).encode()
