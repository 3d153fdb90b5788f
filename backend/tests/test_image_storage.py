"""Image storage and the gallery, against S3 (moto) and the local directory store."""

from __future__ import annotations

import json

import pytest

from testkit.fakes.server import png_bytes
from utils.object_store import LocalObjectStore, ObjectNotFound, S3ObjectStore
from utils.storage import GalleryImage, ImageStorage, slug


@pytest.fixture(params=["s3", "local"])
def images(request, tmp_path):
    url_for = lambda key: f"https://cdn.example/{key}"  # noqa: E731
    if request.param == "local":
        yield ImageStorage(LocalObjectStore(tmp_path), url_for)
        return
    yield ImageStorage(S3ObjectStore(request.getfixturevalue("moto_s3"), "test-bucket"), url_for)


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
