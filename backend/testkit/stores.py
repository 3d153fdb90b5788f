"""Object stores that stand in for a container's view of the bucket in tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class FreezingStore:
    """The worker container's view of the store. Once ``freeze_when`` holds for a write, the
    container is gone: every later write waits until ``thaw`` (a container frozen, then
    thawed, as Lambda does) and is then attempted, late."""

    def __init__(self, store: Any, freeze_when: Callable[[str, bytes], bool]) -> None:
        self._store, self._freeze_when = store, freeze_when
        self.frozen, self.thawed = threading.Event(), threading.Event()

    def put(self, key: str, data: bytes, content_type: str, **conditions: Any) -> str:
        if self.frozen.is_set():
            self.thawed.wait(30)
        etag = self._store.put(key, data, content_type, **conditions)
        if self._freeze_when(key, data):
            self.frozen.set()
        return etag

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)
