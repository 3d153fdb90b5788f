"""Generated images and the gallery, on top of the object store.

Each image is stored, create-only, as one binary object under ``group-images/{target}/``
(what CloudFront serves and ``imageUrl`` points to); keys carry the model's index, so two
models with the same name never collide. When the job ends, one manifest beside the images
(``group-images/{target}/images.json``) records every image with the spec's metadata fields,
and ``gallery-index/`` gets one small entry keyed by inverted time, so that S3's ascending
listing returns the newest first.

The first page is one GET, whatever its size: ``gallery-index/~head.json`` holds the newest
``HEAD_SIZE`` entries. It is a cache, never the truth, kept so that no recording waits for
another (under a crowd of jobs ending at once, a head kept by retried conditional writes
starved: its writes queued for 19 s, and 346 recordings gave up, their entries missing from
the first page):

- A recording writes its entry first, then marks a fresh head stale with a blind write (no
  read, no condition: nothing to lose a race against). A head already stale it leaves alone.
- A first-page reader that finds the head stale (or older than ``HEAD_MAX_AGE_SECONDS``: a
  stale mark that could not be written) rebuilds it from the index and writes it over the
  version it read, conditionally (of two rebuilds, one is kept). It then lists the index
  again: any entry written before the rebuild was stored shows up there, and if the rebuild
  lacks it (its recording left the stale head alone while the rebuild was listing), the
  reader marks the head stale again. An entry written after it is the job of its recording,
  which then finds the head fresh and marks it.

A recording thus reaches the first page once its writes are done; the head is written at most
once per rebuild, however many jobs end at once. A first page after a recording costs the
rebuild (GET, LIST, GET, PUT, LIST); the next ones one GET.

A later page (after a cursor) is two requests: one LIST of the index from the cursor (which
entries exist, in order: the truth) and one GET of the page's first entry, which carries a
copy of the ``PAGE_SPAN - 1`` entries after it, taken from the head when the generation was
recorded (or from the index, when the head was stale). An entry the copy lacks (a job that
finished after newer ones had been recorded) is read on its own, in parallel, so every page is
exact. Recording costs a GET and a PUT of the head beyond the entry itself, or a GET and a
LIST when the head is stale (bench/README.md, storage cost and gallery figures).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from utils.object_store import ObjectNotFound, ObjectStore, PreconditionFailed, StoreUnavailable

log = logging.getLogger(__name__)

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
HEAD_KEY = INDEX_PREFIX + "~head.json"
"""The newest ``HEAD_SIZE`` entries in one object: the first page is one GET. ``~`` sorts
after every entry key, so listings meet it only at their very end."""
HEAD_SIZE = PAGE_SPAN
HEAD_MAX_AGE_SECONDS = 300
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
        head = self._try_read_head()
        following = [e for e in head.entries if e["key"] > key][: PAGE_SPAN - 1] if head else []
        if not (head and head.fresh) or (head.more and len(following) < PAGE_SPAN - 1):
            following = self._following(key)  # the head cannot vouch for what lies past it
        document = {**entry, "older": following}
        self._store.put(key, json.dumps(document, ensure_ascii=False).encode(), "application/json")
        self._invalidate_head(head, key)

    def _following(self, key: str) -> list[dict[str, Any]]:
        """A copy of the ``PAGE_SPAN - 1`` entries after ``key``, as far as the next entry's
        own copy knows them: one LIST and one GET. What it lacks, readers read on their own."""
        try:
            keys = self._store.list(INDEX_PREFIX, start_after=key, limit=PAGE_SPAN - 1).keys
            copies = self._entries([k for k in keys if _INDEX_KEY.fullmatch(k)], fill=False)
        except (StoreUnavailable, ValueError, KeyError, TypeError):
            return []  # the copy is an optimisation: the entry itself must still be written
        return [{"key": k, **copies[k]} for k in keys if k in copies]

    # -- the head ---------------------------------------------------------------------------

    def _read_head(self) -> _Head:
        try:
            stored = self._store.get(HEAD_KEY)
        except ObjectNotFound:
            return _Head((), more=False, built=0.0, fresh=False, etag=None)
        try:
            document = json.loads(stored.data)
            built = float(document["builtAt"])
            entries = tuple(e for e in document["entries"] if _INDEX_KEY.fullmatch(e["key"]))
            more = bool(document["more"])
        except (ValueError, TypeError, KeyError, AttributeError):
            # a stale mark, or a head an older release wrote: rebuilt by the next reader
            return _Head((), more=False, built=0.0, fresh=False, etag=stored.etag)
        fresh = self._now() - built <= HEAD_MAX_AGE_SECONDS
        return _Head(entries, more, built, fresh, stored.etag)

    def _try_read_head(self) -> _Head | None:
        """The head, or None when the store could not say (a recording goes on without it)."""
        try:
            return self._read_head()
        except StoreUnavailable:
            return None

    def _invalidate_head(self, head: _Head | None, key: str) -> None:
        """After the entry ``key`` is written: mark a fresh head stale; leave a stale one alone.

        ``head`` was read before the entry was written. A stale one is read again, since
        leaving it alone is only safe if it was stale after the entry was written (a rebuild
        that listed the index before then is caught by its own second listing)."""
        if head is not None and not head.fresh:
            head = self._try_read_head()
        if head is None:
            self._mark_stale(key)
        elif head.fresh and not (head.more and head.entries and key > head.entries[-1]["key"]):
            self._mark_stale(key)  # unless the entry is older than all of a full head

    def _mark_stale(self, key: str) -> None:
        mark = json.dumps({"stale": key}).encode()  # which recording made it stale
        try:
            self._store.put(HEAD_KEY, mark, "application/json")
        except StoreUnavailable:
            log.warning(
                "the gallery head could not be marked stale for %s; it is rebuilt within %s s",
                key,
                HEAD_MAX_AGE_SECONDS,
            )

    def _rebuild_head(self, stale: _Head) -> _Head:
        """The head, from the index: written over the stale version read (a rebuild that lost
        to another write is dropped), then checked against a second listing, since a
        recording that found the head stale left it alone: anything it missed marks the head
        stale again."""
        built = self._now()  # before the listing: the rebuild is as old as what it saw
        entries, more = self._page(None, HEAD_SIZE)
        if self._write_head(entries, more, built, stale.etag):
            seen = {e["key"] for e in entries}
            listed = self._store.list(INDEX_PREFIX, limit=HEAD_SIZE).keys
            missed = [k for k in listed if _INDEX_KEY.fullmatch(k) and k not in seen]
            if missed:
                self._mark_stale(missed[0])
        return _Head(tuple(entries), more, built, True, None)

    def _write_head(
        self, entries: Sequence[dict[str, Any]], more: bool, built: float, etag: str | None
    ) -> bool:
        """A conditional write of the head over the version ``etag`` names (None: none yet);
        False when another write came first, or the store could not take it."""
        data = json.dumps(
            {"builtAt": built, "more": more, "entries": list(entries)}, ensure_ascii=False
        ).encode()
        try:
            if etag is None:
                self._store.put(HEAD_KEY, data, "application/json", if_none_match=True)
            else:
                self._store.put(HEAD_KEY, data, "application/json", if_match=etag)
        except (PreconditionFailed, StoreUnavailable):
            return False
        return True

    def list_galleries(
        self, cursor: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Newest generations first; ``cursor`` is the ``nextCursor`` a previous page returned."""
        oldest = (self._now() - RETENTION_DAYS * 86400) * 1000
        if cursor is None:
            head = self._read_head()
            if not head.fresh:
                head = self._rebuild_head(head)
            fresh = [e for e in head.entries if _created_ms(e["key"]) >= oldest]
            page = fresh[:limit]
            more = len(fresh) > limit or (head.more and len(fresh) == len(head.entries))
            next_cursor = _encode_cursor(page[-1]["key"]) if more and page else None
            return [_entry(e) for e in page], next_cursor
        listed, more = self._page(_decode_cursor(cursor), limit)
        items = [e for e in listed if _created_ms(e["key"]) >= oldest]
        more = more and len(items) == len(listed)  # the newest come first: expiry ends it
        next_cursor = _encode_cursor(items[-1]["key"]) if more and items else None
        return [_entry(e) for e in items], next_cursor

    def _page(self, start_after: str | None, limit: int) -> tuple[list[dict[str, Any]], bool]:
        """Up to ``limit`` entries after ``start_after`` (with their keys), read from the
        index: one LIST, one GET, and the entries the first one's copy lacks; and whether the
        index goes on."""
        listing = self._store.list(INDEX_PREFIX, start_after=start_after, limit=limit)
        keys = tuple(k for k in listing.keys if _INDEX_KEY.fullmatch(k))
        entries = self._entries(keys)
        items = [{"key": k, **entries[k]} for k in keys if k in entries]
        return items, listing.truncated and len(keys) == len(listing.keys)

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


@dataclass(frozen=True)
class _Head:
    """The head as read: its entries (with their keys), whether the index goes on past them,
    when it was rebuilt (seconds since the epoch), whether it may be served (rebuilt within
    ``HEAD_MAX_AGE_SECONDS``, not marked stale), and its version."""

    entries: tuple[dict[str, Any], ...]
    more: bool
    built: float
    fresh: bool
    etag: str | None


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
