"""A copy in memory refreshed from the database by more than one reader: the PBX's
periodic refresh (in a worker thread) and a read made at once (after a change). A read
that started before the one kept is dropped when it ends: a refresh slowed by a busy
machine must not put back the rows as they were before the newer read."""

from __future__ import annotations

import itertools
import threading
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")


class NewestRead(Generic[T]):
    def __init__(self, read: Callable[[], T], keep: Callable[[T], None]) -> None:
        self._read = read
        self._keep = keep
        self._started = itertools.count(1)
        self._newest_kept = 0
        self._lock = threading.Lock()

    def __call__(self) -> bool:
        """Read, and keep what was read unless a read that started later is kept (False).
        Blocking: from a worker thread."""
        with self._lock:
            started = next(self._started)
        copy = self._read()
        with self._lock:
            if started < self._newest_kept:
                return False
            self._newest_kept = started
            self._keep(copy)
        return True
