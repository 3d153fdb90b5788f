"""Generated images and the gallery, on top of the object store.

Each image is stored, create-only, as one binary object under ``group-images/{target}/``
(what CloudFront serves and ``imageUrl`` points to); keys carry the model's index, so two
models with the same name never collide. When the job ends, one manifest beside the images
(``group-images/{target}/images.json``) records every image with the spec's metadata fields,
and ``gallery-index/`` gets one small entry keyed by inverted time, so that S3's ascending
listing returns the newest first.

Every gallery page is two requests whatever its size, and none of them writes: one LIST of
the index (which entries exist, in order, from the cursor or from the newest: the truth) and one
GET of the page's first entry, which carries a copy of the ``PAGE_SPAN - 1`` entries after it,
taken from the index when the generation was recorded. An entry the copy lacks (a job that
finished after newer ones had been recorded) is read on its own, in parallel, so every page is
exact. Recording costs a LIST and a GET beyond the manifest and the entry (bench/README.md,
storage cost and gallery figures).

There is no shared object that every recording rewrites: under a crowd of jobs ending at once,
such an object (a "newest entries" head under conditional writes) starved, and the entries
whose writes lost went missing from the first page.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from utils.object_store import ObjectNotFound, ObjectStore, StoreUnavailable

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
PAGE_SPAN = 100
"""Entries one index object describes (itself and the ``PAGE_SPAN - 1`` after it): the
largest gallery page served in two requests. The API's page limit must not exceed it."""
_PARALLEL_READS = 8
RETENTION_DAYS = 30
"""The bucket's lifecycle expiry of ``gallery-index/`` and ``group-images/`` (template.yaml)."""
_ENTRY_FIELDS = ("target", "createdAt", "prompt", "imageCount")


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
    def __init__(
        self,
        store: ObjectStore,
        url_for: Callable[[str], str],
        now: Callable[[], float] = time.time,
    ) -> None:
        """``now``: seconds since the epoch, for leaving expired generations off the pages
        (the bucket's lifecycle removes them a while after they expire)."""
        self._store = store
        self.url_for = url_for
        self._now = now

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
        job_id: str | None = None,
    ) -> None:
        """Write the generation's manifest, then its gallery entry (so a listed entry's images
        can always be read). The manifest keeps what the job cost and what was reserved, and
        the job's id: its document (kept as long as the images) has every model's outcome,
        failures included, which a reopened generation shows."""
        manifest = {
            "target": target,
            "jobId": job_id,
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
        document = {**entry, "older": self._following(key)}
        self._store.put(key, json.dumps(document, ensure_ascii=False).encode(), "application/json")

    def _following(self, key: str) -> list[dict[str, Any]]:
        """A copy of the ``PAGE_SPAN - 1`` entries after ``key``, as far as the next entry's
        own copy knows them: one LIST and one GET. What it lacks, readers read on their own."""
        try:
            keys = self._store.list(INDEX_PREFIX, start_after=key, limit=PAGE_SPAN - 1).keys
            copies = self._entries([k for k in keys if _INDEX_KEY.fullmatch(k)], fill=False)
        except (StoreUnavailable, ValueError, KeyError, TypeError):
            return []  # the copy is an optimisation: the entry itself must still be written
        return [{"key": k, **copies[k]} for k in keys if k in copies]

    def list_galleries(
        self, cursor: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Newest generations first; ``cursor`` is the ``nextCursor`` a previous page returned."""
        start_after = _decode_cursor(cursor) if cursor is not None else None
        listing = self._store.list(INDEX_PREFIX, start_after=start_after, limit=limit)
        oldest = (self._now() - RETENTION_DAYS * 86400) * 1000
        # Index keys only (an older release kept a "~head.json" there), and none expired: the
        # newest come first, so the first expired key ends the gallery.
        keys = tuple(
            k for k in listing.keys if _INDEX_KEY.fullmatch(k) and _created_ms(k) >= oldest
        )
        entries = self._entries(keys)
        items = [entries[k] for k in keys if k in entries]
        truncated = listing.truncated and len(keys) == len(listing.keys)
        next_cursor = _encode_cursor(keys[-1]) if truncated and keys else None
        return items, next_cursor

    def _entries(self, keys: Sequence[str], fill: bool = True) -> dict[str, dict[str, Any]]:
        """The gallery entries of ``keys`` (consecutive index keys), by key: one GET of the
        first, whose ``older`` copy usually holds the rest; with ``fill``, the others in
        parallel. An entry that vanished since it was listed (expired) is left out."""
        if not keys:
            return {}
        known: dict[str, dict[str, Any]] = {}
        first = self._read_entry(keys[0])
        if first is not None:
            for copy in first.get("older", ()):
                if isinstance(copy, dict) and isinstance(copy.get("key"), str):
                    known[copy["key"]] = _entry(copy)
            known[keys[0]] = _entry(first)
        missing = [k for k in keys[1:] if k not in known] if fill else []
        if missing:
            with ThreadPoolExecutor(min(_PARALLEL_READS, len(missing))) as pool:
                for k, document in zip(missing, pool.map(self._read_entry, missing), strict=True):
                    if document is not None:
                        known[k] = _entry(document)
        return {k: known[k] for k in keys if k in known}

    def _read_entry(self, key: str) -> dict[str, Any] | None:
        try:
            document = json.loads(self._store.get(key).data)
        except ObjectNotFound:
            return None
        return document if isinstance(document, dict) else None

    def list_gallery_images(self, target: str) -> list[dict[str, Any]]:
        """The images of one generation, by model index, with URLs (never image data); empty
        when there is no such generation."""
        return self.read_generation(target)[0]

    def read_generation(self, target: str) -> tuple[list[dict[str, Any]], str | None]:
        """One generation's images (as ``list_gallery_images``) and the id of the job that
        made it (None for a manifest written before jobs were recorded), in one read."""
        if not TARGET_PATTERN.fullmatch(target):
            raise ValueError("not a gallery id")
        try:
            manifest = json.loads(self._store.get(f"{IMAGE_PREFIX}{target}/{MANIFEST}").data)
        except ObjectNotFound:
            return [], None
        images = [
            {**image, "imageUrl": self.url_for(image["imageKey"]), "prompt": manifest["prompt"]}
            for image in sorted(manifest["images"], key=lambda image: image["index"])
        ]
        return images, manifest.get("jobId")


def _created_ms(key: str) -> int:
    """When an index entry's generation was created (ms since the epoch), from its key."""
    return _MAX_EPOCH_MS - int(key[len(INDEX_PREFIX) : len(INDEX_PREFIX) + 13])


def _entry(document: dict[str, Any]) -> dict[str, Any]:
    """What the gallery lists of one generation (an index object also carries ``older``)."""
    return {name: document.get(name) for name in _ENTRY_FIELDS}


def _encode_cursor(key: str) -> str:
    """The page cursor: the last index entry's name (inverted time and target)."""
    return key.removeprefix(INDEX_PREFIX).removesuffix(".json")


def _decode_cursor(cursor: str) -> str:
    key = f"{INDEX_PREFIX}{cursor}.json"
    if not _INDEX_KEY.fullmatch(key):
        raise ValueError("bad cursor")
    return key
