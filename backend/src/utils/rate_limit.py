"""Fixed-window rate limiting on top of the object store.

Two limits apply to every request that is not whitelisted:

- **global**: at most ``global_limit`` admitted requests per UTC clock hour, all clients together;
- **ip**: at most ``ip_limit`` admitted requests per UTC day from one client address.

Counters are tiny JSON objects, ``{"count": n}``, under ``rate-limit/``:

- ``rate-limit/ip/2026-11-26/<sha256 hex of the address>.json``: one per client and day;
- ``rate-limit/global/2026-11-26T13/<shard>.json``: the hour's global window, split into
  ``global_shards`` counters that each hold a share of the limit. Every request from every
  client would otherwise update one object, and optimistic writes to one hot key starve under
  concurrency (``make bench``, load). A request starts at a random shard and moves on only if
  that one is full, so it is denied only when every shard is full: still exact.

One check therefore normally reads and writes two objects however many clients there are, raw
addresses never appear in keys, and windows that have ended are never read again (the bucket
lifecycle rule expires ``rate-limit/``).

Counters are updated by read, then conditional write (``if_match`` the etag read, or
``if_none_match`` when creating) and retried with jittered backoff when another writer won, so
concurrent requests are counted exactly. The IP slot is reserved first and the global slot
second; when the global window is full the IP slot is given back, and a denied request is
never counted, so a blocked client cannot extend its own ban. If contention outlasts the retry
budget the request fails closed (denied, ``retry_after`` 1) and a warning is logged.

Errors from the store other than a lost conditional write (e.g. S3 unavailable) propagate to the
caller, which decides whether to fail open or closed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import math
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from utils.object_store import ObjectNotFound, ObjectStore, PreconditionFailed

logger = logging.getLogger(__name__)

PREFIX = "rate-limit/"
HOUR = 3600
DAY = 86400

Scope = Literal["global", "ip"]


@dataclass(frozen=True)
class RateDecision:
    """The outcome of one ``RateLimiter.check``.

    ``allowed``: whether the request may proceed (it has then been counted).
    ``scope``: the window that denied the request (``"global"`` or ``"ip"``); ``None`` when
    allowed.
    ``retry_after``: seconds until the denying window ends, at least 1; 0 when allowed.
    ``limit`` / ``remaining``: when denied, the denying window's limit and 0. When allowed, the
    client's own (IP) window after counting this request: the global total is spread over
    shards and not read on the way. Both ``None`` for whitelisted addresses, which are not
    limited.
    """

    allowed: bool
    scope: Scope | None
    retry_after: int
    limit: int | None
    remaining: int | None


@dataclass(frozen=True)
class _Counter:
    count: int
    etag: str | None  # None: the object does not exist yet


class _BudgetExhausted(Exception):
    """Lost the conditional write too often or for too long."""


class RateLimiter:
    """Global-per-hour and per-IP-per-day limits, exact under concurrent requests."""

    def __init__(
        self,
        store: ObjectStore,
        global_limit: int,
        ip_limit: int,
        whitelist: Iterable[str] = frozenset(),
        clock: Callable[[], float] = time.time,
        *,
        ip_hash_key: bytes | None = None,
        global_shards: int = 8,
        max_attempts: int = 50,
        time_budget: float = 3.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """
        ``clock`` gives epoch seconds and decides the windows; ``monotonic`` and ``sleep`` only
        pace retries. ``ip_hash_key`` (optional) makes the address digest an HMAC-SHA256, so
        keys cannot be matched against hashes of guessed addresses. ``global_shards`` counters
        share the global window. ``max_attempts`` and ``time_budget`` (seconds) bound the
        retries of one counter update.
        """
        if global_limit < 0 or ip_limit < 0:
            raise ValueError("rate limits must not be negative")
        if max_attempts < 1 or time_budget <= 0 or global_shards < 1:
            raise ValueError("max_attempts and global_shards must be >= 1, time_budget > 0")
        if isinstance(whitelist, str):
            raise TypeError("whitelist must be a collection of addresses, not one string")
        self._store = store
        self._global_limit = int(global_limit)
        self._ip_limit = int(ip_limit)
        self._whitelist = frozenset(_normalize_ip(ip) for ip in whitelist if ip.strip())
        self._clock = clock
        self._ip_hash_key = ip_hash_key
        share, extra = divmod(self._global_limit, global_shards)
        self._shard_limits = [share + (shard < extra) for shard in range(global_shards)]
        self._max_attempts = max_attempts
        self._time_budget = time_budget
        self._monotonic = monotonic
        self._sleep = sleep

    # -- public API ---------------------------------------------------------------------------

    def check(self, ip: str) -> RateDecision:
        """Count one request from ``ip`` if both windows have room; otherwise deny it uncounted."""
        address = _normalize_ip(ip)
        if address in self._whitelist:
            return RateDecision(True, None, 0, None, None)

        now = self._clock()
        moment = datetime.fromtimestamp(now, UTC)
        ip_key = f"{PREFIX}ip/{moment:%Y-%m-%d}/{self._digest(address)}.json"
        global_window = f"{PREFIX}global/{moment:%Y-%m-%dT%H}"
        deadline = self._monotonic() + self._time_budget

        try:
            ip_count = self._reserve(ip_key, self._ip_limit, deadline)
        except _BudgetExhausted:
            logger.warning("rate limit: contention on %s, failing closed", ip_key)
            return RateDecision(False, "ip", 1, self._ip_limit, 0)
        if ip_count is None:
            return RateDecision(False, "ip", _until(now, DAY), self._ip_limit, 0)

        try:
            admitted = self._reserve_global(global_window, deadline)
        except _BudgetExhausted:
            logger.warning("rate limit: contention on %s, failing closed", global_window)
            self._release(ip_key)
            return RateDecision(False, "global", 1, self._global_limit, 0)
        if not admitted:
            self._release(ip_key)
            return RateDecision(False, "global", _until(now, HOUR), self._global_limit, 0)
        return RateDecision(True, None, 0, self._ip_limit, self._ip_limit - ip_count)

    # -- counters -----------------------------------------------------------------------------

    def _reserve(self, key: str, limit: int, deadline: float) -> int | None:
        """Increment the counter under ``key`` unless it is at ``limit``.

        Returns the new count, or ``None`` when the window is full (nothing written).
        """
        attempt = 0
        while True:
            counter = self._read(key)
            if counter.count >= limit:
                return None
            try:
                self._write(key, counter.count + 1, counter.etag)
                return counter.count + 1
            except PreconditionFailed:
                attempt += 1
                self._back_off(attempt, deadline)

    def _reserve_global(self, window: str, deadline: float) -> bool:
        """Count one request in a shard of the global window with room; False if all are full.

        Counts only grow within a window, so a shard seen full stays full: denying after every
        shard was seen full is exact.
        """
        shards = len(self._shard_limits)
        first = random.randrange(shards)
        for shard in ((first + offset) % shards for offset in range(shards)):
            limit = self._shard_limits[shard]
            if limit and self._reserve(f"{window}/{shard}.json", limit, deadline) is not None:
                return True
        return False

    def _release(self, key: str) -> None:
        """Give back one slot reserved under ``key`` (conditional decrement, retried).

        Gets its own retry budget: the reservation's may already be spent. If that runs out too,
        the counter stays one too high, which errs on the side of limiting.
        """
        deadline = self._monotonic() + self._time_budget
        attempt = 0
        while True:
            counter = self._read(key)
            if counter.count <= 0 or counter.etag is None:
                return
            try:
                self._write(key, counter.count - 1, counter.etag)
                return
            except PreconditionFailed:
                attempt += 1
                try:
                    self._back_off(attempt, deadline)
                except _BudgetExhausted:
                    logger.warning("rate limit: could not give back a slot on %s", key)
                    return

    def _back_off(self, attempt: int, deadline: float) -> None:
        """Sleep a jittered, growing delay before retry ``attempt``, or raise if out of budget."""
        remaining = deadline - self._monotonic()
        if attempt >= self._max_attempts or remaining <= 0:
            raise _BudgetExhausted
        ceiling = min(0.1, 0.005 * 2 ** min(attempt, 10))
        self._sleep(min(random.uniform(0, ceiling), remaining))

    def _read(self, key: str) -> _Counter:
        try:
            stored = self._store.get(key)
        except ObjectNotFound:
            return _Counter(0, None)
        try:
            count = int(json.loads(stored.data)["count"])
        except (ValueError, KeyError, TypeError):
            # Unreadable counter: start the window over; the conditional write replaces it.
            logger.warning("rate limit: unreadable counter %s, resetting it", key)
            count = 0
        return _Counter(max(count, 0), stored.etag)

    def _write(self, key: str, count: int, etag: str | None) -> None:
        data = json.dumps({"count": count}).encode()
        if etag is None:
            self._store.put(key, data, "application/json", if_none_match=True)
        else:
            self._store.put(key, data, "application/json", if_match=etag)

    def _digest(self, address: str) -> str:
        if self._ip_hash_key is not None:
            return hmac.new(self._ip_hash_key, address.encode(), hashlib.sha256).hexdigest()
        return hashlib.sha256(address.encode()).hexdigest()


def _normalize_ip(ip: str) -> str:
    """One spelling per address (``2001:DB8:0::1`` == ``2001:db8::1``); others kept verbatim."""
    text = ip.strip()
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return text
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def _until(now: float, window: int) -> int:
    """Whole seconds (at least 1) until the ``window``-second UTC window holding ``now`` ends."""
    end = (math.floor(now) // window + 1) * window
    return max(1, math.ceil(end - now))
