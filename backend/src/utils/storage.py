"""Generated images and the gallery, on top of the object store.

Each image is stored as a binary object under ``group-images/{target}/`` (what CloudFront
serves and ``imageUrl`` points to) with the spec's JSON metadata record beside it. Keys carry
the model's index, so two models with the same name never collide, and are written
create-only. ``gallery-index/`` holds one small entry per generation, keyed by inverted time so
that S3's ascending listing returns the newest first.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from models.types import ImageResult, ModelConfig
from utils.object_store import ObjectNotFound, ObjectStore

IMAGE_PREFIX = "group-images/"
INDEX_PREFIX = "gallery-index/"
TARGET_PATTERN = re.compile(r"^\d{4}(-\d{2}){5}-[0-9a-f]{6}$")
_INDEX_KEY = re.compile(r"^gallery-index/\d{13}-(?P<target>\d{4}(-\d{2}){5}-[0-9a-f]{6})\.json$")
_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "image/gif": ".gif",
}
_MAX_EPOCH_MS = 10**13 - 1


def slug(name: str) -> str:
    """A file-name-safe form of a model name ("DALL·E 3" -> "dall-e-3")."""
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:40] or "model"


class ImageStorage:
    def __init__(self, store: ObjectStore, url_for: Callable[[str], str]) -> None:
        self._store = store
        self.url_for = url_for

    def save_image(
        self,
        target: str,
        model: ModelConfig,
        result: ImageResult,
        prompt: str,
        params: dict[str, Any],
    ) -> tuple[str, str]:
        """Store the image and its metadata record; returns (image key, public URL)."""
        assert result.image is not None and result.media_type is not None
        timestamp = int(time.time() * 1000)
        stem = f"{IMAGE_PREFIX}{target}/{model.index:02d}-{slug(model.name)}-{timestamp}"
        image_key = stem + _EXTENSIONS.get(result.media_type, ".bin")
        self._store.put(image_key, result.image, result.media_type, if_none_match=True)
        record = {
            "output": image_key,
            "imageKey": image_key,
            "mediaType": result.media_type,
            "model": model.name,
            "index": model.index,
            "provider": model.provider,
            "modelId": model.model_id,
            "prompt": prompt,
            "steps": params.get("steps"),
            "guidance": params.get("guidance"),
            "control": params.get("control"),
            "target": target,
            "timestamp": timestamp,
            "NSFW": False,
        }
        self._store.put(
            stem + ".json", json.dumps(record).encode(), "application/json", if_none_match=True
        )
        return image_key, self.url_for(image_key)

    def get_image(self, key: str) -> tuple[bytes, str]:
        """An image object, as CloudFront would serve it: ``group-images/`` only."""
        if not key.startswith(IMAGE_PREFIX) or ".." in key:
            raise ObjectNotFound(key)
        stored = self._store.get(key)
        return stored.data, stored.content_type

    def record_generation(
        self, target: str, created_at: str, prompt: str, image_count: int
    ) -> None:
        epoch_ms = int(datetime.fromisoformat(created_at.replace("Z", "+00:00")).timestamp() * 1000)
        key = f"{INDEX_PREFIX}{_MAX_EPOCH_MS - epoch_ms:013d}-{target}.json"
        entry = {
            "target": target,
            "createdAt": created_at,
            "prompt": prompt,
            "imageCount": image_count,
        }
        self._store.put(key, json.dumps(entry).encode(), "application/json")

    def list_galleries(
        self, cursor: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Newest generations first; ``cursor`` is the ``nextCursor`` a previous page returned."""
        start_after = _decode_cursor(cursor) if cursor is not None else None
        listing = self._store.list(INDEX_PREFIX, start_after=start_after, limit=limit)
        items = [json.loads(self._store.get(key).data) for key in listing.keys]
        next_cursor = (
            _encode_cursor(listing.keys[-1]) if listing.truncated and listing.keys else None
        )
        return items, next_cursor

    def list_gallery_images(self, target: str) -> list[dict[str, Any]]:
        """The images of one generation, by model index, with URLs (never image data)."""
        if not TARGET_PATTERN.match(target):
            raise ValueError("not a gallery id")
        listing = self._store.list(f"{IMAGE_PREFIX}{target}/", limit=1000)
        images = []
        for key in listing.keys:
            if not key.endswith(".json"):
                continue
            record = json.loads(self._store.get(key).data)
            images.append(
                {
                    "model": record["model"],
                    "index": record.get("index"),
                    "provider": record.get("provider"),
                    "modelId": record.get("modelId"),
                    "imageKey": record["imageKey"],
                    "imageUrl": self.url_for(record["imageKey"]),
                    "prompt": record.get("prompt"),
                    "timestamp": record.get("timestamp"),
                }
            )
        return images


def _encode_cursor(key: str) -> str:
    """The page cursor: the last index entry's name (inverted time and target)."""
    return key.removeprefix(INDEX_PREFIX).removesuffix(".json")


def _decode_cursor(cursor: str) -> str:
    key = f"{INDEX_PREFIX}{cursor}.json"
    if not _INDEX_KEY.match(key):
        raise ValueError("bad cursor")
    return key
