"""Image storage and the gallery, against S3 (moto) and the local directory store."""

from __future__ import annotations

import json

import pytest

from models.types import ImageResult, ModelConfig
from tests.fakes.server import png_bytes
from utils.object_store import LocalObjectStore, ObjectNotFound, S3ObjectStore
from utils.storage import ImageStorage, slug


@pytest.fixture(params=["s3", "local"])
def images(request, tmp_path):
    url_for = lambda key: f"https://cdn.example/{key}"  # noqa: E731
    if request.param == "local":
        yield ImageStorage(LocalObjectStore(tmp_path), url_for)
        return
    yield ImageStorage(S3ObjectStore(request.getfixturevalue("moto_s3"), "test-bucket"), url_for)


TARGET = "2026-11-26-13-30-45-abc123"


def model(index: int, name: str = "DALL·E 3") -> ModelConfig:
    return ModelConfig(
        index=index, name=name, provider="openai", model_id="gpt-image-1", key="sk-hidden"
    )


def test_slug_is_file_safe():
    assert slug("DALL·E 3") == "dall-e-3"
    assert slug("  ***  ") == "model"


def test_saved_image_is_binary_beside_its_metadata(images):
    data = png_bytes()
    key, url = images.save_image(
        TARGET, model(1), ImageResult.success(data, "image/png"), "a cat", {"steps": 20}
    )
    assert key.startswith(f"group-images/{TARGET}/01-dall-e-3-") and key.endswith(".png")
    assert url == f"https://cdn.example/{key}"
    assert images.get_image(key) == (data, "image/png")
    (listed,) = images.list_gallery_images(TARGET)
    assert listed["imageKey"] == key and listed["model"] == "DALL·E 3" and listed["imageUrl"] == url
    assert "sk-hidden" not in json.dumps(listed)


def test_two_models_with_one_name_in_the_same_instant_get_distinct_keys(images):
    result = ImageResult.success(png_bytes(), "image/png")
    first, _ = images.save_image(TARGET, model(1, "Twin"), result, "p", {})
    second, _ = images.save_image(TARGET, model(2, "Twin"), result, "p", {})
    assert first != second
    assert len(images.list_gallery_images(TARGET)) == 2


def test_only_group_images_are_served(images):
    with pytest.raises(ObjectNotFound):
        images.get_image("jobs/x/status.json")


def test_galleries_are_listed_newest_first_with_a_cursor(images):
    for hour in range(3):
        target = f"2026-11-26-1{hour}-00-00-abc12{hour}"
        images.record_generation(target, f"2026-11-26T1{hour}:00:00.000Z", f"prompt {hour}", 1)
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
