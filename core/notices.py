"""Live notices of events, for GraphQL subscriptions. The notify actor publishes each event's
envelope (as JSON) on the Redis channel ``Settings.events_channel`` when Redis is configured, or
to the in-process subscribers below in the embedded mode. Pub/sub is at-most-once: a subscriber
that must not miss anything resumes from the outbox or the records themselves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

_subscribers: set[asyncio.Queue[str]] = set()


def publish_local(notice: str) -> int:
    """Hand ``notice`` to every in-process subscriber (a full queue drops it); returns how many
    took it. Call from the event loop the subscribers run on."""
    taken = 0
    for queue in list(_subscribers):
        try:
            queue.put_nowait(notice)
            taken += 1
        except asyncio.QueueFull:
            pass
    return taken


@asynccontextmanager
async def subscribe_local(maxsize: int = 1000) -> AsyncIterator[asyncio.Queue[str]]:
    """A queue receiving every notice published in this process while the context is open."""
    queue: asyncio.Queue[str] = asyncio.Queue(maxsize=maxsize)
    _subscribers.add(queue)
    try:
        yield queue
    finally:
        _subscribers.discard(queue)
