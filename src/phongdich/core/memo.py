"""Short-lived in-process memos for the hot paths (API tokens, venue codes, the right to record at a venue).

A check-in is one small insert; looking up the same token, venue and permission before each one cost more
than the insert itself. Each worker process keeps what it looked up for a few seconds. Every change made
through this process clears the memos at once (see the signal receivers that call :func:`forget_all`);
another worker process sees the change when its entry expires, after at most ``ttl`` seconds. That delay
is the price of the speed: keep ``ttl`` short.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from django.db import models

V = TypeVar("V")
M = TypeVar("M", bound="models.Model")

_MISSING = object()
_all_memos: list[Memo[object]] = []


class Memo(Generic[V]):
    """A bounded dict whose entries expire ``ttl`` seconds after they were stored."""

    def __init__(self, name: str, *, ttl: float, max_entries: int = 100_000) -> None:
        self.name = name
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()
        _all_memos.append(self)  # type: ignore[arg-type]

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = compute()
        with self._lock:
            if len(self._entries) >= self.max_entries:
                # Rare: start again rather than track recency on every hit.
                self._entries.clear()
            self._entries[key] = (now + self.ttl, value)
        return value

    def forget(self) -> None:
        with self._lock:
            self._entries.clear()


K = TypeVar("K", bound=Hashable)


class Snapshot(Generic[K, V]):
    """A whole small table read at once and kept ``ttl`` seconds: for keys spread over all of it, where a
    :class:`Memo` would miss almost every time. Cleared with the memos, so it follows them on changes."""

    def __init__(self, name: str, *, ttl: float, load: Callable[[], dict[K, V]]) -> None:
        self.name = name
        self.ttl = ttl
        self._load = load
        self._rows: dict[K, V] = {}
        self._expires = 0.0
        self._lock = threading.Lock()
        _all_memos.append(self)  # type: ignore[arg-type]

    def get(self, key: K) -> V | None:
        if time.monotonic() >= self._expires:
            with self._lock:
                now = time.monotonic()
                if now >= self._expires:  # not reloaded by another thread meanwhile
                    self._rows = self._load()
                    self._expires = now + self.ttl
        return self._rows.get(key)

    def forget(self) -> None:
        with self._lock:
            self._rows = {}
            self._expires = 0.0


def forget_all(*_args: object, **_kwargs: object) -> None:
    """Clear every memo of this process (also usable as a signal receiver)."""
    for memo in _all_memos:
        memo.forget()


# Reference rows (administrative units, areas outside the province) by id, for hot paths that would otherwise
# join them into every statement. Saving such a row through this process clears it (see the receivers).
_REFERENCE_ROWS: Memo[object] = Memo("reference-rows", ttl=60)


def reference_row(model: type[M], pk: int | None) -> M | None:
    """The row of a reference table (few rows, rarely changed) with this id, as this worker last read it."""
    if pk is None:
        return None
    found = _REFERENCE_ROWS.get_or_compute(
        (model._meta.label, pk), lambda: model._default_manager.filter(pk=pk).first()
    )
    return found if isinstance(found, model) else None
