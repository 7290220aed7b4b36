"""Live notices of events, for GraphQL subscriptions.

A :class:`Notice` is one event envelope (as JSON) with its ``cursor``: the id of the entry that
carried it, which increases in delivery order. With Redis the notify actor appends each envelope
to a Redis stream (:mod:`core.streams`) and the stream assigns the ids; in the embedded mode (no
Redis) it calls :func:`publish_local`, which appends to this process's :class:`RingBuffer` and hands
the notice to the in-process listeners. Either way a client that saw cursor X can ask for every
later notice, exactly once and in order, while X is still retained.

Cursors have the shape of Redis stream ids (``<milliseconds>-<sequence>``) and compare as such;
the ring buffer's are ``<epoch>-<n>`` with an epoch fixed per process, so a cursor from an earlier
run of the process is never mistaken for one of this run.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any

BUFFER_SIZE = 10_000


class CursorExpired(Exception):
    """The cursor is no longer (or never was) retained: notices after it may be lost."""


class Notice:
    """One envelope and its cursor, shared by every subscription it is handed to (``memo`` holds
    what they look up once for all of them)."""

    __slots__ = ("cursor", "data", "memo", "received")

    def __init__(self, cursor: str, data: str, received: float | None = None) -> None:
        self.cursor = cursor
        self.data = data
        self.memo: dict[str, Any] = {}
        self.received = time.monotonic() if received is None else received

    @property
    def envelope(self) -> dict[str, Any]:
        """The envelope as a dict (parsed once)."""
        found = self.memo.get("envelope")
        if found is None:
            found = self.memo["envelope"] = json.loads(self.data)
        return found

    def __repr__(self) -> str:
        return f"Notice({self.cursor!r})"


def cursor_key(cursor: str) -> tuple[int, int]:
    """``"<a>-<b>"`` as a pair of integers, for ordering; ValueError when malformed."""
    first, sep, second = cursor.partition("-")
    if not sep or not _digits(first) or not _digits(second):
        raise ValueError(f"not a cursor: {cursor!r}")
    return int(first), int(second)


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


class RingBuffer:
    """The last ``capacity`` notices of this process, with increasing cursors."""

    def __init__(self, capacity: int = BUFFER_SIZE, *, epoch: int | None = None) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.epoch = time.time_ns() // 1_000_000 if epoch is None else epoch
        self.entries: deque[Notice] = deque(maxlen=capacity)
        self.last = 0  # the number of the newest notice (0: none yet)

    def append(self, data: str) -> Notice:
        self.last += 1
        notice = Notice(f"{self.epoch}-{self.last}", data)
        self.entries.append(notice)
        return notice

    def after(self, cursor: str, limit: int = 1000) -> list[Notice]:
        """Up to ``limit`` notices after ``cursor``, oldest first. CursorExpired unless the
        cursor's notice is still held (or the cursor is the one just before the oldest held)."""
        try:
            epoch, number = cursor_key(cursor)
        except ValueError as exc:
            raise CursorExpired(str(exc)) from exc
        oldest = self.last - len(self.entries) + 1
        if epoch != self.epoch or number > self.last or number < oldest - 1:
            raise CursorExpired(f"cursor {cursor} is not retained")
        start = number - oldest + 1
        return [self.entries[i] for i in range(start, min(start + limit, len(self.entries)))]


class RecentIds:
    """The last ``size`` ids seen (a bounded LRU set): a redelivered event is dropped by id."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self.ids: OrderedDict[str, None] = OrderedDict()

    def seen(self, key: str) -> bool:
        """True when ``key`` was seen already; otherwise remembers it and returns False."""
        if key in self.ids:
            self.ids.move_to_end(key)
            return True
        self.ids[key] = None
        if len(self.ids) > self.size:
            self.ids.popitem(last=False)
        return False


buffer = RingBuffer()
_listeners: set[Callable[[Notice], None]] = set()


def publish_local(data: str) -> Notice:
    """Append an envelope's JSON to this process's buffer and hand it to every listener. Call
    from the event loop the listeners run on."""
    notice = buffer.append(data)
    for listener in list(_listeners):
        listener(notice)
    return notice


def listen(listener: Callable[[Notice], None]) -> Callable[[], None]:
    """Call ``listener`` with each notice published in this process; returns the unsubscribe."""
    _listeners.add(listener)
    return lambda: _listeners.discard(listener)
