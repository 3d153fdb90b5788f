"""Fixed-window rate limiting on top of the object store.

Two limits apply to every request that is not whitelisted:

- **global**: at most ``global_limit`` admitted requests per UTC clock hour, all clients together;
- **ip**: at most ``ip_limit`` admitted requests per UTC day from one client address.

Counters are tiny JSON objects, ``{"count": n}``, under ``rate-limit/``:

- ``rate-limit/ip/2026-11-26/<HMAC-SHA256 of the address>.json``: one per client and day. The
  digest is keyed with a secret, so nobody who can read the bucket can recover an address by
  hashing the IPv4 space;
- ``rate-limit/global/2026-11-26T13/<shard>.json``: the hour's global window, split into up to
  ``global_shards`` (64) counters that each hold a share of the limit (at least 4). Every
  request from every client would otherwise update one object, and optimistic writes to one
  hot key starve under concurrency. A request tries the shards in a random order and moves to
  the next one when it loses a conditional write there, so it is denied only when every shard
  was seen full: still exact.

Why shards on S3 and not another store: measured with 200 concurrent checks from distinct
addresses, limits far above, on moto's S3 server (``make bench``, rate limiter): 8 shards
retried in place under a 3 s budget admitted 16 of 200. The budget was the first culprit (moto
serves ~150 requests/s, so 200 checks queue for seconds); without it, 8 shards lost 1,072
conditional writes, 32 lost 267, 64 lost 134 and admitted all 200; at ``GLOBAL_LIMIT=25``,
exactly 25 of 100. Hence 64 shards, and a busy answer decided by lost writes, not by time.
That meets the requirement without a second data store (DynamoDB) to deploy and pay for.

One check therefore normally reads and writes two objects however many clients there are, raw
addresses never appear in keys, and windows that have ended are never read again (the bucket
lifecycle rule expires ``rate-limit/``).

Counters are updated by read, then conditional write (``if_match`` the etag read, or
``if_none_match`` when creating). The IP slot is reserved first and the global slot second;
when the global window is full the IP slot is given back, and a denied request is never
counted, so a blocked client cannot extend its own ban. Contention is never reported as a
reached limit: when the limiter cannot decide within its budget (lost writes, or time) the
decision is ``busy`` (the API answers 503 ``SERVICE_BUSY`` with ``Retry-After``), nothing
stays counted, and a warning is logged.

Errors from the store other than a lost conditional write (e.g. S3 unavailable) propagate to the
caller, which answers 503 ``STORAGE_UNAVAILABLE``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import math
import random
import threading
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
SHARD_SHARE = 4  # the smallest share of the global limit a shard is given

Scope = Literal["global", "ip"]


@dataclass(frozen=True)
class RateDecision:
    """The outcome of one ``RateLimiter.check``.

    ``allowed``: whether the request may proceed (it has then been counted).
    ``scope``: the window that denied the request (``"global"`` or ``"ip"``); ``None`` when
    allowed or busy.
    ``retry_after``: seconds until the denying window ends (or to wait when busy), at least 1;
    0 when allowed.
    ``limit`` / ``remaining``: when denied, the denying window's limit and 0. When allowed, the
    client's own (IP) window after counting this request: the global total is spread over
    shards and not read on the way. Both ``None`` for whitelisted addresses, which are not
    limited, and when busy.
    ``busy``: the limiter could not decide (contention outlasted its budget); nothing counted.
    """

    allowed: bool
    scope: Scope | None
    retry_after: int
    limit: int | None
    remaining: int | None
    busy: bool = False


BUSY = RateDecision(False, None, 1, None, None, busy=True)


@dataclass(frozen=True)
class _Counter:
    count: int
    etag: str | None  # None: the object does not exist yet


class _BudgetExhausted(Exception):
    """Lost the conditional write too often or for too long."""


class _Budget:
    """How long one check may keep losing conditional writes before it answers busy.

    The clock starts at the first lost write, not at the check: a store that is merely slow
    (every request queued behind others) is not contention, and its own timeouts bound it.
    """

    def __init__(
        self,
        max_attempts: int,
        seconds: float,
        monotonic: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        self._max_attempts = max_attempts
        self._seconds = seconds
        self._monotonic = monotonic
        self._sleep = sleep
        self._since: float | None = None

    def lost(self, attempt: int, *, pause: bool = True) -> None:
        """After losing write ``attempt``: raise if out of budget, else (``pause``) sleep a
        jittered, growing delay so the winners finish."""
        now = self._monotonic()
        if self._since is None:
            self._since = now
        elapsed = now - self._since
        if attempt >= self._max_attempts or elapsed >= self._seconds:
            raise _BudgetExhausted
        if pause:
            ceiling = min(0.1, 0.005 * 2 ** min(attempt, 10))
            self._sleep(min(random.uniform(0, ceiling), self._seconds - elapsed))


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
        key: bytes,
        global_shards: int = 64,
        max_attempts: int = 50,
        time_budget: float = math.inf,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """
        ``clock`` gives epoch seconds and decides the windows; ``monotonic`` and ``sleep`` only
        pace retries. ``key`` is the secret of the HMAC-SHA256 that names each address's
        counter (at least 16 bytes). At most ``global_shards`` counters share the global
        window. ``max_attempts`` (lost writes) and ``time_budget`` (seconds from the first lost
        write; none by default) bound one check's retries; past them the decision is ``busy``.
        Every lost write means another request was counted, and every store call has its own
        timeout, so the lost-write count alone bounds a check; a wall-clock budget would turn
        a slow store under load (moto's server at 200 clients: seconds per call) into refusals.
        """
        if global_limit < 0 or ip_limit < 0:
            raise ValueError("rate limits must not be negative")
        if max_attempts < 1 or time_budget <= 0 or global_shards < 1:
            raise ValueError("max_attempts and global_shards must be >= 1, time_budget > 0")
        if len(key) < 16:
            raise ValueError("the rate-limit key must be at least 16 bytes")
        if isinstance(whitelist, str):
            raise TypeError("whitelist must be a collection of addresses, not one string")
        self._store = store
        self._global_limit = int(global_limit)
        self._ip_limit = int(ip_limit)
        self._whitelist = frozenset(_normalize_ip(ip) for ip in whitelist if ip.strip())
        self._clock = clock
        self._key = bytes(key)
        # Small limits get fewer, fuller shards: a denial reads every shard once, and a
        # window that admits few requests never sees much contention.
        shards = max(1, min(global_shards, math.ceil(self._global_limit / SHARD_SHARE)))
        share, extra = divmod(self._global_limit, shards)
        self._shard_limits = [share + (shard < extra) for shard in range(shards)]
        self._max_attempts = max_attempts
        self._time_budget = time_budget
        self._monotonic = monotonic
        self._sleep = sleep
        self._memo_lock = threading.Lock()
        self._memo_window = ""
        self._memo_full: set[int] = set()

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
        budget = _Budget(self._max_attempts, self._time_budget, self._monotonic, self._sleep)

        try:
            ip_count = self._reserve(ip_key, self._ip_limit, budget)
        except _BudgetExhausted:
            logger.warning("rate limit: contention on %s, answering busy", ip_key)
            return BUSY
        if ip_count is None:
            return RateDecision(False, "ip", _until(now, DAY), self._ip_limit, 0)

        try:
            admitted = self._reserve_global(global_window, budget)
        except _BudgetExhausted:
            logger.warning("rate limit: contention on %s, answering busy", global_window)
            self._release(ip_key)
            return BUSY
        if not admitted:
            self._release(ip_key)
            return RateDecision(False, "global", _until(now, HOUR), self._global_limit, 0)
        return RateDecision(True, None, 0, self._ip_limit, self._ip_limit - ip_count)

    def identity(self, ip: str) -> str:
        """The keyed digest that names ``ip``'s counter: the client identity other rules (one
        vote per client) use, so that no raw address is ever stored."""
        return self._digest(_normalize_ip(ip))

    # -- counters -----------------------------------------------------------------------------

    def _reserve(self, key: str, limit: int, budget: _Budget) -> int | None:
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
                budget.lost(attempt)

    def _reserve_global(self, window: str, budget: _Budget) -> bool:
        """Count one request in a shard of the global window with room; False if all are full.

        Shards are tried in a random order. A lost conditional write means another request
        was just counted in that shard, so the request moves on to the next shard at once
        instead of queueing on the same hot key; the shard goes to the back of the queue.
        Counts only grow within a window, so a shard seen full stays full (and is remembered
        for the window, sparing later requests its read): denying once every shard was seen
        full is exact.
        """
        full = self._full_shards(window)
        queue = [s for s, limit in enumerate(self._shard_limits) if limit and s not in full]
        random.shuffle(queue)
        conflicts = 0
        while queue:
            shard = queue.pop()
            key = f"{window}/{shard}.json"
            counter = self._read(key)
            if counter.count >= self._shard_limits[shard]:
                with self._memo_lock:
                    full.add(shard)
                continue
            try:
                self._write(key, counter.count + 1, counter.etag)
                return True
            except PreconditionFailed:
                conflicts += 1
                queue.insert(0, shard)
                # Move on at once while other shards are untried; once as many writes were
                # lost as there are shards left, pause (jittered) so the winners finish.
                budget.lost(conflicts, pause=conflicts >= len(queue))
        return False

    def _full_shards(self, window: str) -> set[int]:
        """The shards of ``window`` this process has seen full (a memo of the current hour)."""
        with self._memo_lock:
            if self._memo_window != window:
                self._memo_window, self._memo_full = window, set()
            return self._memo_full

    def _release(self, key: str) -> None:
        """Give back one slot reserved under ``key`` (conditional decrement, retried).

        Gets its own retry budget: the reservation's may already be spent. If that runs out too,
        the counter stays one too high, which errs on the side of limiting.
        """
        budget = _Budget(self._max_attempts, self._time_budget, self._monotonic, self._sleep)
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
                    budget.lost(attempt)
                except _BudgetExhausted:
                    logger.warning("rate limit: could not give back a slot on %s", key)
                    return

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
        return hmac.new(self._key, address.encode(), hashlib.sha256).hexdigest()


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
