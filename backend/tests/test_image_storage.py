"""Image storage and the gallery, against S3 (moto) and the local directory store."""

from __future__ import annotations

import json

import pytest

from testkit.fakes.server import png_bytes
from utils.object_store import LocalObjectStore, ObjectNotFound, S3ObjectStore
from utils.storage import GalleryImage, ImageStorage, slug

NOW = 1_796_000_000.0  # 2026-11-29: the generations below are days old, not expired


@pytest.fixture(params=["s3", "local"])
def images(request, tmp_path):
    url_for = lambda key: f"https://cdn.example/{key}"  # noqa: E731
    if request.param == "local":
        yield ImageStorage(LocalObjectStore(tmp_path), url_for, now=lambda: NOW)
        return
    store = S3ObjectStore(request.getfixturevalue("moto_s3"), "test-bucket")
    yield ImageStorage(store, url_for, now=lambda: NOW)


TARGET = "2026-11-26-13-30-45-abc123"


def test_slug_is_file_safe():
    assert slug("DALL·E 3") == "dall-e-3"
    assert slug("  ***  ") == "model"


def test_saved_image_is_stored_create_only_and_served_as_is(images):
    data = png_bytes()
    key, url = images.save_image(TARGET, 1, "DALL·E 3", data, "image/png")
    assert key.startswith(f"group-images/{TARGET}/01-dall-e-3-") and key.endswith(".png")
    assert url == f"https://cdn.example/{key}"
    assert images.get_image(key) == (data, "image/png")
    assert images.list_gallery_images(TARGET) == []  # listed once the job records it


def stored(index: int, key: str, name: str = "DALL·E 3") -> GalleryImage:
    return GalleryImage(
        name, index, "openai", "gpt-image-1", key, 1_790_000_000_000 + index, 0.01 * index
    )


def test_a_recorded_generation_lists_its_images_by_index_with_urls(images):
    data = png_bytes()
    keys = [images.save_image(TARGET, i, "Twin", data, "image/png")[0] for i in (2, 1)]
    assert keys[0] != keys[1]  # one name, one instant: the index keeps the keys apart
    images.record_generation(
        TARGET,
        "2026-11-26T13:30:45.000Z",
        "a cat",
        {"steps": 20, "guidance": None},
        [stored(2, keys[0], "Twin"), stored(1, keys[1], "Twin")],
        cost_usd=0.03,
        estimated_cost_usd=0.05,
    )
    listed = images.list_gallery_images(TARGET)
    assert [(i["index"], i["imageKey"]) for i in listed] == [(1, keys[1]), (2, keys[0])]
    assert listed[0] == {
        "model": "Twin",
        "index": 1,
        "provider": "openai",
        "modelId": "gpt-image-1",
        "imageKey": keys[1],
        "imageUrl": f"https://cdn.example/{keys[1]}",
        "prompt": "a cat",
        "timestamp": 1_790_000_000_001,
        "costUsd": 0.01,
    }
    manifest = json.loads(images._store.get(f"group-images/{TARGET}/images.json").data)
    assert (manifest["costUsd"], manifest["estimatedCostUsd"]) == (0.03, 0.05)
    (entry,), _ = images.list_galleries(None, 10)
    assert entry == {
        "target": TARGET,
        "createdAt": "2026-11-26T13:30:45.000Z",
        "prompt": "a cat",
        "imageCount": 2,
    }
    assert "sk-hidden" not in json.dumps(listed)


def test_only_group_images_are_served(images):
    with pytest.raises(ObjectNotFound):
        images.get_image("jobs/x/status.json")


def test_galleries_are_listed_newest_first_with_a_cursor(images):
    for hour in range(3):
        target = f"2026-11-26-1{hour}-00-00-abc12{hour}"
        images.record_generation(
            target, f"2026-11-26T1{hour}:00:00.000Z", f"prompt {hour}", {}, [stored(1, "k")]
        )
    page, cursor = images.list_galleries(None, 2)
    assert [g["prompt"] for g in page] == ["prompt 2", "prompt 1"]
    rest, end = images.list_galleries(cursor, 2)
    assert [g["prompt"] for g in rest] == ["prompt 0"] and end is None


@pytest.mark.parametrize("cursor", ["not a cursor", "../jobs/x", "0000000000000-../../x"])
def test_bad_cursors_and_targets_are_refused_before_storage(images, cursor):
    with pytest.raises(ValueError):
        images.list_galleries(cursor, 10)
    with pytest.raises(ValueError):
        images.list_gallery_images("../jobs")


class CountingStore:
    """The store, counting the requests made through it."""

    def __init__(self, store) -> None:
        self.store, self.calls = store, []

    def get(self, key):
        self.calls.append(("get", key))
        return self.store.get(key)

    def put(self, key, *args, **kwargs):
        self.calls.append(("put", key))
        return self.store.put(key, *args, **kwargs)

    def list(self, prefix, **kwargs):
        self.calls.append(("list", prefix))
        return self.store.list(prefix, **kwargs)


def _record(images, n: int, minute: int | None = None) -> str:
    minute = n if minute is None else minute
    target = f"2026-11-26-10-{minute:02d}-00-abc{n:03x}"
    images.record_generation(
        target, f"2026-11-26T10:{minute:02d}:00.000Z", f"prompt {n}", {}, [stored(1, "k")] * 2
    )
    return target


@pytest.fixture
def counted(images):
    counting = CountingStore(images._store)
    return ImageStorage(counting, images.url_for, now=lambda: NOW), counting


def test_a_first_page_is_one_get_and_a_later_page_two_whatever_their_size(counted):
    images, counting = counted
    for n in range(30):
        _record(images, n)
    counting.calls.clear()
    images.list_galleries(None, 1)  # the head was never built: this reader builds it
    assert [op for op, _ in counting.calls] == ["get", "list", "get", "put", "list"]
    for limit in (1, 10, 30):
        counting.calls.clear()
        page, _ = images.list_galleries(None, limit)
        assert [g["prompt"] for g in page] == [f"prompt {n}" for n in range(29, 29 - limit, -1)]
        assert page[0] == {
            "target": "2026-11-26-10-29-00-abc01d",
            "createdAt": "2026-11-26T10:29:00.000Z",
            "prompt": "prompt 29",
            "imageCount": 2,
        }
        assert [op for op, _ in counting.calls] == ["get"]  # the head
    counting.calls.clear()
    _record(images, 30)  # it marks the fresh head stale, with one blind write
    assert [op for op, key in counting.calls if key.endswith("~head.json")] == ["get", "put"]
    counting.calls.clear()
    page, cursor = images.list_galleries(None, 12)  # this reader rebuilds it
    assert [op for op, _ in counting.calls] == ["get", "list", "get", "put", "list"]
    assert page[0]["prompt"] == "prompt 30"
    counting.calls.clear()
    assert images.list_galleries(None, 12) == (page, cursor)
    assert [op for op, _ in counting.calls] == ["get"]
    counting.calls.clear()
    rest, end = images.list_galleries(cursor, 100)
    assert [g["prompt"] for g in page + rest] == [f"prompt {n}" for n in range(30, -1, -1)]
    assert end is None and [op for op, _ in counting.calls] == ["list", "get"]


class RacingStore(CountingStore):
    """Records a generation while a first-page reader is rebuilding the head: right after the
    reader's listing, before its write."""

    def __init__(self, store, race) -> None:
        super().__init__(store)
        self.race = race

    def list(self, prefix, **kwargs):
        listing = super().list(prefix, **kwargs)
        if kwargs.get("start_after") is None and self.race:
            self.race.pop()()
        return listing


def test_a_rebuild_that_raced_a_recording_is_dropped_not_served_later(images):
    racing = RacingStore(images._store, [])
    reader = ImageStorage(racing, images.url_for, now=lambda: NOW)
    _record(reader, 1)
    # recorded after the reader listed; it finds the head stale and leaves it alone
    racing.race.append(lambda: _record(images, 2))
    page, _ = reader.list_galleries(None, 10)
    assert [g["prompt"] for g in page] == ["prompt 1"]  # what the reader saw: fine, once
    page, _ = reader.list_galleries(None, 10)
    assert [g["prompt"] for g in page] == ["prompt 2", "prompt 1"]  # its check caught it


class ReaderAfterHeadRead(CountingStore):
    """Runs a first-page reader right after the recording's first read of the head, before it
    writes its entry."""

    def __init__(self, store, reader) -> None:
        super().__init__(store)
        self.reader = reader

    def get(self, key):
        try:
            return super().get(key)
        finally:  # found or not
            if key.endswith("~head.json") and self.reader:
                self.reader.pop()()


def test_a_recording_that_read_a_stale_head_reads_it_again_once_its_entry_is_written(images):
    _record(images, 1)  # the head is stale: never built
    store = ReaderAfterHeadRead(images._store, [lambda: images.list_galleries(None, 10)])
    recorder = ImageStorage(store, images.url_for, now=lambda: NOW)
    _record(recorder, 2)  # a reader rebuilt the head between its read and its entry
    assert [g["prompt"] for g in images.list_galleries(None, 10)[0]] == ["prompt 2", "prompt 1"]


def test_an_entry_older_than_a_full_head_leaves_it_fresh_and_is_found_after_it(counted):
    from utils.storage import HEAD_SIZE

    images, counting = counted
    for n in range(1, HEAD_SIZE + 2):
        _record_at(images, n)
    images.list_galleries(None, 10)  # built: the newest HEAD_SIZE, and more after them
    counting.calls.clear()
    _record_at(images, 0)  # older than every entry of the head
    assert [op for op, key in counting.calls if key.endswith("~head.json")] == ["get"]
    seen = _every_prompt(images)
    assert seen[-1] == "prompt 0" and len(seen) == HEAD_SIZE + 2


def test_a_head_that_could_not_be_marked_stale_is_rebuilt_once_it_is_old(images):
    from utils.storage import HEAD_MAX_AGE_SECONDS

    now = [NOW]
    reader = ImageStorage(images._store, images.url_for, now=lambda: now[0])
    _record(reader, 1)
    assert len(reader.list_galleries(None, 10)[0]) == 1  # built
    document = json.loads(images._store.get("gallery-index/~head.json").data)
    _record(images, 2)
    # the recording's insert and stale mark were lost: the head is back as it was
    images._store.put("gallery-index/~head.json", json.dumps(document).encode(), "x")
    assert len(reader.list_galleries(None, 10)[0]) == 1
    now[0] += HEAD_MAX_AGE_SECONDS + 1
    assert [g["prompt"] for g in reader.list_galleries(None, 10)[0]] == ["prompt 2", "prompt 1"]


def test_pages_are_exact_when_generations_finish_out_of_order(counted):
    images, counting = counted
    for n in (0, 1, 3, 4):
        _record(images, n)
    _record(images, 2)  # created before 3 and 4, recorded after them: their copies lack it
    page, cursor = images.list_galleries(None, 1)
    assert [g["prompt"] for g in page] == ["prompt 4"]
    counting.calls.clear()
    rest, _ = images.list_galleries(cursor, 10)
    assert [g["prompt"] for g in rest] == ["prompt 3", "prompt 2", "prompt 1", "prompt 0"]
    assert len(counting.calls) == 3  # the list, entry 3, and entry 2 read on its own
    first, _ = images.list_galleries(None, 10)
    assert [g["prompt"] for g in first] == [f"prompt {n}" for n in (4, 3, 2, 1, 0)]
    _record(images, 5)  # its copy comes from the head: the gap is gone for pages after it
    page, cursor = images.list_galleries(None, 1)
    counting.calls.clear()
    rest, _ = images.list_galleries(cursor, 10)
    assert [g["prompt"] for g in rest] == [f"prompt {n}" for n in (4, 3, 2, 1, 0)]
    assert len(counting.calls) == 3  # the list, entry 4 (whose copy lacks 2), and entry 2
    counting.calls.clear()
    assert [g["prompt"] for g in images.list_galleries(None, 10)[0]][1:] == [
        f"prompt {n}" for n in (4, 3, 2, 1, 0)
    ]  # the first page, from the head, which has them all
    assert [op for op, _ in counting.calls] == ["get"]


def test_concurrent_recordings_all_reach_the_first_page(images):
    import threading

    gate = threading.Barrier(8)

    def record(n: int) -> None:
        gate.wait()
        _record(images, n)

    threads = [threading.Thread(target=record, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    page, cursor = images.list_galleries(None, 100)
    assert [g["prompt"] for g in page] == [f"prompt {n}" for n in range(7, -1, -1)]
    assert cursor is None


def test_the_first_page_leaves_out_expired_generations(images):
    _record(images, 1)
    later = ImageStorage(images._store, images.url_for, now=lambda: NOW + 40 * 86400)
    assert later.list_galleries(None, 10) == ([], None)


def test_a_gallery_longer_than_one_copy_pages_on_to_the_oldest_entries(counted):
    from utils.storage import PAGE_SPAN

    images, _ = counted
    total = PAGE_SPAN + 4
    for n in range(total):
        _record_at(images, n)
    seen = _every_prompt(images)
    assert len(seen) == total and len(set(seen)) == total


def test_a_head_object_left_by_an_older_release_is_not_an_entry(images):
    _record(images, 1)
    images._store.put("gallery-index/~head.json", b'{"entries": []}', "application/json")
    assert [g["prompt"] for g in images.list_galleries(None, 10)[0]] == ["prompt 1"]
    _record(images, 2)  # its copy is read from the index past it, not from the head
    page, cursor = images.list_galleries(None, 1)
    assert [g["prompt"] for g in page] == ["prompt 2"]
    assert [g["prompt"] for g in images.list_galleries(cursor, 10)[0]] == ["prompt 1"]


def _every_prompt(images) -> list[str]:
    """The gallery's prompts, page after page, as a client follows the cursors."""
    seen, cursor = [], None
    while True:
        page, cursor = images.list_galleries(cursor, 100)
        seen += [g["prompt"] for g in page]
        if cursor is None:
            return seen


def _record_at(images, n: int) -> None:
    hour, minute = divmod(n, 60)
    target = f"2026-11-26-{10 + hour:02d}-{minute:02d}-00-abc{n:03x}"
    created = f"2026-11-26T{10 + hour:02d}:{minute:02d}:00.000Z"
    images.record_generation(target, created, f"prompt {n}", {}, [stored(1, "k")])


def test_the_api_page_limit_fits_in_one_index_copy():
    from api.app import GALLERY_PAGE_MAX
    from utils.storage import PAGE_SPAN

    assert GALLERY_PAGE_MAX <= PAGE_SPAN


def test_the_local_store_lists_a_page_without_reading_other_directories(tmp_path, monkeypatch):
    import os

    store = LocalObjectStore(tmp_path)
    for n in range(5):
        store.put(f"gallery-index/{n:04d}.json", b"{}", "application/json")
        store.put(f"jobs/{n}/status.json", b"{}", "application/json")
        store.put(f"group-images/t{n}/a.png", b"x", "image/png")
    scanned: list[str] = []
    real_scandir = os.scandir

    def scandir(path):
        scanned.append(os.path.relpath(path, tmp_path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    listing = store.list("gallery-index/", start_after="gallery-index/0001.json", limit=2)
    assert listing.keys == ("gallery-index/0002.json", "gallery-index/0003.json")
    assert listing.truncated and scanned == ["gallery-index"]
    scanned.clear()
    top = store.list("jobs/", delimiter="/")
    assert top.prefixes == tuple(f"jobs/{n}/" for n in range(5)) and top.keys == ()
    assert scanned == ["jobs"]  # one common prefix per directory, none descended into
