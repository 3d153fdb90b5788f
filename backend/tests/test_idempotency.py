"""Idempotency-Key records on both stores: claim, replay, reuse, refusal, expiry after 24 h."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from jobs.idempotency import IdempotencyStore, expired, fingerprint

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def make(store, now, created: set[str], wait: float = 0.2) -> IdempotencyStore:
    return IdempotencyStore(
        store, lambda job_id: job_id in created, lambda: now[0], wait_seconds=wait
    )


def test_fingerprint_ignores_spelling_not_content():
    assert fingerprint("a kite", {"steps": 2, "guidance": 1}) == fingerprint(
        "a kite", {"guidance": 1, "steps": 2}
    )
    assert fingerprint("a kite", {}) != fingerprint("a kite", {"steps": 2})
    assert fingerprint("a kite", {}) != fingerprint("a kit", {})


def test_claim_replay_reuse(store):
    now, created = [NOW], set()
    keys = make(store, now, created)
    first = keys.claim("order-7f3a", "body-1")
    assert first.outcome == "new"
    created.add(first.job_id)
    assert keys.claim("order-7f3a", "body-1").outcome == "replay"
    assert keys.claim("order-7f3a", "body-1").job_id == first.job_id
    assert keys.claim("order-7f3a", "body-2").outcome == "reused"
    (stored,) = store.list("idempotency/").keys
    assert "order-7f3a" not in stored and b"order-7f3a" not in store.get(stored).data


def test_a_claim_whose_job_is_not_there_yet_is_busy_then_refused_frees_it(store):
    now, created = [NOW], set()
    keys = make(store, now, created)
    first = keys.claim("k", "body")
    assert keys.claim("k", "body").outcome == "busy"  # the owner has not created its job yet
    keys.refuse("k", first)
    second = keys.claim("k", "body")
    assert second.outcome == "new" and second.job_id != first.job_id


def test_a_key_lives_24_hours(store):
    now, created = [NOW], set()
    keys = make(store, now, created)
    first = keys.claim("k", "body")
    created.add(first.job_id)
    now[0] = NOW + timedelta(hours=23, minutes=59)
    assert keys.claim("k", "body").outcome == "replay"
    now[0] = NOW + timedelta(hours=24)
    again = keys.claim("k", "other body")  # expired: a new request, whatever its body
    assert again.outcome == "new" and again.job_id != first.job_id


def test_expiry_rule():
    from jobs.idempotency import Record

    record = Record("j", "f", NOW.isoformat())
    assert not expired(record, NOW + timedelta(hours=23))
    assert expired(record, NOW + timedelta(hours=24))
