"""Generated images and the gallery, on top of the object store.

Each image is stored, create-only, as one binary object under ``group-images/{target}/``
(what CloudFront serves and ``imageUrl`` points to); keys carry the model's index, so two
models with the same name never collide. When the job ends, one manifest beside the images
(``group-images/{target}/images.json``) records every image with the spec's metadata fields,
and ``gallery-index/`` gets one small entry keyed by inverted time, so that S3's ascending
listing returns the newest first. A job thus costs one write per image plus two, and a
gallery is read with one GET (bench/README.md, storage cost).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from utils.object_store import ObjectNotFound, ObjectStore

IMAGE_PREFIX = "group-images/"
INDEX_PREFIX = "gallery-index/"
# ASCII digits and whole-string matches only: ``\d`` also takes Arabic-Indic and other digits,
# and ``$`` accepts a trailing newline.
TARGET_PATTERN = re.compile(r"[0-9]{4}(-[0-9]{2}){5}-[0-9a-f]{6}")
_INDEX_KEY = re.compile(
    r"gallery-index/[0-9]{13}-(?P<target>[0-9]{4}(-[0-9]{2}){5}-[0-9a-f]{6})\.json"
)
_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "image/gif": ".gif",
}
_MAX_EPOCH_MS = 10**13 - 1
MANIFEST = "images.json"


@dataclass(frozen=True)
class GalleryImage:
    """One stored image of a generation, as its manifest records it."""

    model: str
    index: int
    provider: str
    modelId: str
    imageKey: str
    timestamp: int
    """Milliseconds since the epoch when the image was stored."""
    costUsd: float = 0.0
    """What the image cost (the model's price per image)."""


def slug(name: str) -> str:
    """A file-name-safe form of a model name ("DALL·E 3" -> "dall-e-3")."""
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:40] or "model"


class ImageStorage:
    def __init__(self, store: ObjectStore, url_for: Callable[[str], str]) -> None:
        self._store = store
        self.url_for = url_for

    def save_image(
        self, target: str, index: int, name: str, image: bytes, media_type: str
    ) -> tuple[str, str]:
        """Store one image of model ``index`` (named ``name``), create-only; returns (image
        key, public URL). The index keeps apart two models with the same name."""
        timestamp = int(time.time() * 1000)
        stem = f"{IMAGE_PREFIX}{target}/{index:02d}-{slug(name)}-{timestamp}"
        image_key = stem + _EXTENSIONS.get(media_type, ".bin")
        self._store.put(image_key, image, media_type, if_none_match=True)
        return image_key, self.url_for(image_key)

    def get_image(self, key: str) -> tuple[bytes, str]:
        """An image object, as CloudFront would serve it: ``group-images/`` only."""
        if not key.startswith(IMAGE_PREFIX) or ".." in key:
            raise ObjectNotFound(key)
        stored = self._store.get(key)
        return stored.data, stored.content_type

    def record_generation(
        self,
        target: str,
        created_at: str,
        prompt: str,
        parameters: dict[str, Any],
        images: Sequence[GalleryImage],
        *,
        cost_usd: float = 0.0,
        estimated_cost_usd: float = 0.0,
    ) -> None:
        """Write the generation's manifest, then its gallery entry (so a listed entry's images
        can always be read). The manifest keeps what the job cost and what was reserved."""
        manifest = {
            "target": target,
            "createdAt": created_at,
            "prompt": prompt,
            "steps": parameters.get("steps"),
            "guidance": parameters.get("guidance"),
            "control": parameters.get("control"),
            "costUsd": cost_usd,
            "estimatedCostUsd": estimated_cost_usd,
            "images": [asdict(image) for image in images],
        }
        self._store.put(
            f"{IMAGE_PREFIX}{target}/{MANIFEST}",
            json.dumps(manifest, ensure_ascii=False).encode(),
            "application/json",
        )
        epoch_ms = int(datetime.fromisoformat(created_at.replace("Z", "+00:00")).timestamp() * 1000)
        key = f"{INDEX_PREFIX}{_MAX_EPOCH_MS - epoch_ms:013d}-{target}.json"
        entry = {
            "target": target,
            "createdAt": created_at,
            "prompt": prompt,
            "imageCount": len(images),
        }
        self._store.put(key, json.dumps(entry, ensure_ascii=False).encode(), "application/json")

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
        """The images of one generation, by model index, with URLs (never image data); empty
        when there is no such generation."""
        if not TARGET_PATTERN.fullmatch(target):
            raise ValueError("not a gallery id")
        try:
            manifest = json.loads(self._store.get(f"{IMAGE_PREFIX}{target}/{MANIFEST}").data)
        except ObjectNotFound:
            return []
        return [
            {**image, "imageUrl": self.url_for(image["imageKey"]), "prompt": manifest["prompt"]}
            for image in sorted(manifest["images"], key=lambda image: image["index"])
        ]


def _encode_cursor(key: str) -> str:
    """The page cursor: the last index entry's name (inverted time and target)."""
    return key.removeprefix(INDEX_PREFIX).removesuffix(".json")


def _decode_cursor(cursor: str) -> str:
    key = f"{INDEX_PREFIX}{cursor}.json"
    if not _INDEX_KEY.fullmatch(key):
        raise ValueError("bad cursor")
    return key
