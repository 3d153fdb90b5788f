"""The one storage seam: a key/value object store with conditional writes.

``S3ObjectStore`` is used when deployed (or against any S3-compatible endpoint such as MinIO
or a moto server); ``LocalObjectStore`` keeps objects as files under ``DATA_DIR`` for
``make dev``. Both give the same guarantees, checked by one contract suite:

- ``put(..., if_none_match=True)`` creates only; ``put(..., if_match=etag)`` replaces only the
  version that was read. Either raises ``PreconditionFailed`` when another writer won, which
  is how jobs and rate-limit counters stay correct without an atomic read-modify-write.
- ``list`` walks keys in ascending order from ``start_after``, one page at a time.
- A store that cannot be reached (a missing bucket, an endpoint that is down or times out, a
  disk error) raises ``StoreUnavailable``, which the API answers with 503
  ``STORAGE_UNAVAILABLE`` rather than a 500.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


class ObjectNotFound(KeyError):
    """No object under that key."""


class PreconditionFailed(Exception):
    """A conditional write lost: the object changed (or exists) since it was read."""


class StoreUnavailable(Exception):
    """The store cannot be reached or used right now; the request may succeed later."""


# S3 error codes that mean the store, not the request, is at fault.
_UNAVAILABLE_CODES = frozenset(
    {
        "NoSuchBucket",
        "AccessDenied",
        "AllAccessDisabled",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "InternalError",
        "ServiceUnavailable",
        "SlowDown",
        "RequestTimeout",
    }
)


def _unavailable(exc: Exception) -> bool:
    """Whether a boto3 error means S3 is unreachable or unusable (not a per-request outcome)."""
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return code in _UNAVAILABLE_CODES or status >= 500 or status == 403
    return isinstance(exc, BotoCoreError)  # connection refused, timeouts, DNS, credentials


@dataclass(frozen=True)
class StoredObject:
    data: bytes = field(repr=False)
    etag: str
    content_type: str


@dataclass(frozen=True)
class Listing:
    keys: tuple[str, ...]
    prefixes: tuple[str, ...]
    truncated: bool


class ObjectStore(Protocol):
    def get(self, key: str) -> StoredObject: ...

    def put(
        self,
        key: str,
        data: bytes,
        content_type: str,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> str: ...

    def list(
        self,
        prefix: str,
        *,
        delimiter: str | None = None,
        start_after: str | None = None,
        limit: int = 1000,
    ) -> Listing: ...


class S3ObjectStore:
    """Objects in one S3 bucket; conditional writes use S3's If-Match / If-None-Match."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._s3 = client
        self._bucket = bucket

    def get(self, key: str) -> StoredObject:
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=key)
            data = response["Body"].read()
        except self._s3.exceptions.NoSuchKey as exc:
            raise ObjectNotFound(key) from exc
        except Exception as exc:
            if _unavailable(exc):
                raise StoreUnavailable(f"S3 get failed: {type(exc).__name__}") from exc
            raise
        return StoredObject(
            data=data,
            etag=response["ETag"],
            content_type=response.get("ContentType", "application/octet-stream"),
        )

    def put(
        self,
        key: str,
        data: bytes,
        content_type: str,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> str:
        from botocore.exceptions import ClientError

        conditions: dict[str, str] = {}
        if if_match is not None:
            conditions["IfMatch"] = if_match
        if if_none_match:
            conditions["IfNoneMatch"] = "*"
        try:
            response = self._s3.put_object(
                Bucket=self._bucket, Key=key, Body=data, ContentType=content_type, **conditions
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            lost = code in {"PreconditionFailed", "ConditionalRequestConflict"} or status in {
                409,
                412,
            }
            if lost or (if_match is not None and code == "NoSuchKey"):  # replaced what vanished
                raise PreconditionFailed(key) from exc
            if _unavailable(exc):
                raise StoreUnavailable(f"S3 put failed: {code or status}") from exc
            raise
        except Exception as exc:
            if _unavailable(exc):
                raise StoreUnavailable(f"S3 put failed: {type(exc).__name__}") from exc
            raise
        return response["ETag"]

    def list(
        self,
        prefix: str,
        *,
        delimiter: str | None = None,
        start_after: str | None = None,
        limit: int = 1000,
    ) -> Listing:
        params: dict[str, Any] = {"Bucket": self._bucket, "Prefix": prefix, "MaxKeys": limit}
        if delimiter:
            params["Delimiter"] = delimiter
        if start_after:
            params["StartAfter"] = start_after
        try:
            response = self._s3.list_objects_v2(**params)
        except Exception as exc:
            if _unavailable(exc):
                raise StoreUnavailable(f"S3 list failed: {type(exc).__name__}") from exc
            raise
        return Listing(
            keys=tuple(item["Key"] for item in response.get("Contents", [])),
            prefixes=tuple(item["Prefix"] for item in response.get("CommonPrefixes", [])),
            truncated=bool(response.get("IsTruncated")),
        )


def _etag(data: bytes) -> str:
    return '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"'


class LocalObjectStore:
    """Objects as files under a directory, for running without AWS.

    One lock serialises the compare-and-write of conditional puts, which is exact within the
    single local server process; files are replaced atomically, so readers never see half.
    """

    _CONTENT_TYPE_SUFFIX = ".content-type"

    def __init__(self, root: Path) -> None:
        self._root = Path(root).resolve()
        self._lock = threading.Lock()

    def path_for(self, key: str) -> Path:
        """The file holding ``key``; refuses keys that would escape the root, and keys no file
        can have (a NUL byte, a name longer than the file system allows)."""
        try:
            path = (self._root / key).resolve()
        except (OSError, ValueError) as exc:
            raise ObjectNotFound(key[:100]) from exc
        if self._root not in path.parents or key.endswith(self._CONTENT_TYPE_SUFFIX):
            raise ObjectNotFound(key[:100])
        if any(len(part.encode()) > 240 for part in path.parts) or len(str(path)) > 4000:
            raise ObjectNotFound(key[:100])
        return path

    def get(self, key: str) -> StoredObject:
        path = self.path_for(key)
        try:
            data = path.read_bytes()
            type_file = path.with_name(path.name + self._CONTENT_TYPE_SUFFIX)
            content_type = (
                type_file.read_text() if type_file.exists() else "application/octet-stream"
            )
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise ObjectNotFound(key) from exc
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                raise ObjectNotFound(key[:100]) from exc
            raise StoreUnavailable(f"local store read failed: {exc.strerror}") from exc
        return StoredObject(data=data, etag=_etag(data), content_type=content_type)

    def put(
        self,
        key: str,
        data: bytes,
        content_type: str,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> str:
        path = self.path_for(key)
        try:
            return self._put(path, key, data, content_type, if_match, if_none_match)
        except (PreconditionFailed, ObjectNotFound):
            raise
        except OSError as exc:  # disk full, read-only, permissions
            raise StoreUnavailable(f"local store write failed: {exc.strerror}") from exc

    def _put(
        self,
        path: Path,
        key: str,
        data: bytes,
        content_type: str,
        if_match: str | None,
        if_none_match: bool,
    ) -> str:
        with self._lock:
            if if_none_match and path.exists():
                raise PreconditionFailed(key)
            if if_match is not None:
                try:
                    current = _etag(path.read_bytes())
                except FileNotFoundError as exc:
                    raise PreconditionFailed(key) from exc
                if current != if_match:
                    raise PreconditionFailed(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._write_atomically(
                path.with_name(path.name + self._CONTENT_TYPE_SUFFIX), content_type.encode()
            )
            self._write_atomically(path, data)
        return _etag(data)

    @staticmethod
    def _write_atomically(path: Path, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)

    def list(
        self,
        prefix: str,
        *,
        delimiter: str | None = None,
        start_after: str | None = None,
        limit: int = 1000,
    ) -> Listing:
        """Keys in S3's order, read lazily: directories are visited in key order, those wholly
        before ``start_after`` or outside ``prefix`` are skipped, and the walk stops at the
        first entry beyond the page, so a page costs its own entries, not the whole store."""
        page: list[tuple[str, bool]] = []
        directory, _, _ = prefix.rpartition("/")
        base = self._root / directory if directory else self._root
        key_prefix = directory + "/" if directory else ""
        walk = self._walk(base, key_prefix, prefix, start_after, delimiter == "/")
        try:
            for key, is_dir in walk:
                rest = key[len(prefix) :]
                if delimiter and (delimiter in rest or is_dir):
                    common = prefix + rest.split(delimiter, 1)[0] + delimiter
                    if page and page[-1] == (common, True):
                        continue
                    if start_after is not None and common <= start_after:
                        continue
                    entry = (common, True)
                elif is_dir:
                    continue
                else:
                    entry = (key, False)
                if len(page) == limit:
                    return self._listing(page, truncated=True)
                page.append(entry)
        except OSError as exc:
            raise StoreUnavailable(f"local store list failed: {exc.strerror}") from exc
        return self._listing(page, truncated=False)

    @staticmethod
    def _listing(page: Sequence[tuple[str, bool]], truncated: bool) -> Listing:
        return Listing(
            keys=tuple(k for k, is_prefix in page if not is_prefix),
            prefixes=tuple(k for k, is_prefix in page if is_prefix),
            truncated=truncated,
        )

    def _walk(
        self,
        directory: Path,
        key_prefix: str,
        prefix: str,
        start_after: str | None,
        shallow: bool,
    ) -> Iterator[tuple[str, bool]]:
        """Every key under ``directory`` that matches ``prefix`` and sorts after
        ``start_after``, in ascending order. ``shallow`` (the ``/`` delimiter): a directory
        inside the prefix is one common prefix, not descended into.

        A directory ``d`` holds keys ``d/...``, which sort as ``d/`` does (so ``d-x`` comes
        first); directories are yielded as ``(key + "/", True)`` before their contents."""
        try:
            with os.scandir(directory) as scan:
                names = [
                    (entry.name + "/" if entry.is_dir() else entry.name, entry.is_dir())
                    for entry in scan
                    if not entry.name.startswith(".")
                    and not entry.name.endswith(self._CONTENT_TYPE_SUFFIX)
                ]
        except (FileNotFoundError, NotADirectoryError):
            return
        for name, is_dir in sorted(names):
            key = key_prefix + name
            # skip what cannot match: outside the prefix, or wholly before start_after
            if not (key.startswith(prefix) or prefix.startswith(key)):
                continue
            if start_after is not None and (
                key <= start_after and not (is_dir and start_after.startswith(key))
            ):
                continue
            if not is_dir:
                yield key, False
                continue
            if key.startswith(prefix):
                yield key, True
                if shallow:
                    continue
            yield from self._walk(directory / name[:-1], key, prefix, start_after, shallow)
