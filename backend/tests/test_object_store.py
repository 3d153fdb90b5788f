"""One contract suite for both object stores: S3 (moto) and the local directory store."""

from __future__ import annotations

import threading

import pytest

from utils.object_store import (
    LocalObjectStore,
    ObjectNotFound,
    PreconditionFailed,
)


def test_put_then_get_round_trips_bytes_type_and_etag(store):
    etag = store.put("jobs/a/status.json", b'{"x": 1}', "application/json")
    got = store.get("jobs/a/status.json")
    assert got.data == b'{"x": 1}'
    assert got.content_type == "application/json"
    assert got.etag == etag


def test_missing_key_raises_not_found(store):
    with pytest.raises(ObjectNotFound):
        store.get("jobs/none/status.json")


def test_create_only_write_refuses_an_existing_object(store):
    store.put("k", b"first", "text/plain", if_none_match=True)
    with pytest.raises(PreconditionFailed):
        store.put("k", b"second", "text/plain", if_none_match=True)
    assert store.get("k").data == b"first"


def test_if_match_replaces_only_the_version_read(store):
    etag = store.put("k", b"v1", "text/plain")
    new_etag = store.put("k", b"v2", "text/plain", if_match=etag)
    with pytest.raises(PreconditionFailed):
        store.put("k", b"v3", "text/plain", if_match=etag)
    assert store.get("k").data == b"v2"
    assert new_etag != etag


def test_concurrent_increments_with_retries_lose_no_update(store):
    store.put("counter", b"0", "text/plain")

    def increment() -> None:
        while True:
            current = store.get("counter")
            try:
                store.put(
                    "counter",
                    str(int(current.data) + 1).encode(),
                    "text/plain",
                    if_match=current.etag,
                )
                return
            except PreconditionFailed:
                continue

    threads = [threading.Thread(target=increment) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert int(store.get("counter").data) == 16


def test_list_pages_in_key_order_with_prefixes(store):
    for key in ["g/b/1.json", "g/a/1.json", "g/a/2.json", "g/c.json", "other/x"]:
        store.put(key, b"{}", "application/json")
    top = store.list("g/", delimiter="/")
    assert top.prefixes == ("g/a/", "g/b/")
    assert top.keys == ("g/c.json",)
    first = store.list("g/a/", limit=1)
    assert first.keys == ("g/a/1.json",) and first.truncated
    second = store.list("g/a/", start_after=first.keys[-1], limit=1)
    assert second.keys == ("g/a/2.json",) and not second.truncated


def test_local_store_refuses_keys_outside_its_root(tmp_path):
    store = LocalObjectStore(tmp_path / "data")
    with pytest.raises(ObjectNotFound):
        store.get("../secrets.txt")


def test_if_match_on_a_vanished_object_is_a_lost_race(store):
    with pytest.raises(PreconditionFailed):
        store.put("never-written", b"x", "text/plain", if_match='"0123456789abcdef"')
