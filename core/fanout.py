"""Live notices fanned out to this process's subscriptions.

One reader per API process: with Redis, a task blocks on XREAD of the events stream on its own
connection (reconnecting with backoff, carrying on from the last id it read); in the embedded mode
the fan-out listens to :func:`core.notices.publish_local`. Each subscription has a bounded queue;
one that overflows (a client slower than the events) is closed with :class:`SlowConsumer` naming
its last cursor, so it can resume, instead of growing memory.

A subscription that resumes from a cursor registers its queue first, then reads the retained
notices after the cursor in pages, then drains its queue skipping cursors it has passed: no gap
(whatever was appended after the registration is queued, whatever before it is retained) and no
duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from core import notices, streams
from core.notices import CursorExpired, Notice, cursor_key

log = logging.getLogger(__name__)

PAGE_SIZE = 500
READ_COUNT = 500
BLOCK_MS = 5_000
BACKOFF_MIN = 0.1
BACKOFF_MAX = 5.0
START_TIMEOUT = 2.0  # seconds: an unreachable Redis must not hold up the start for long

__all__ = ["CursorExpired", "Fanout", "SlowConsumer", "TooManySubscriptions", "Unavailable"]


class TooManySubscriptions(Exception):
    """This process holds as many live subscriptions as it may."""


class SlowConsumer(Exception):
    """The subscription's queue overflowed; ``last_cursor`` is the last notice it was given."""

    def __init__(self, last_cursor: str | None) -> None:
        self.last_cursor = last_cursor
        super().__init__(f"too slow: resume after {last_cursor}")


class Unavailable(Exception):
    """The retained notices cannot be read now (Redis unreachable)."""


class Source(Protocol):
    async def start(self, deliver: Callable[[Notice], None]) -> None: ...

    async def stop(self) -> None: ...

    async def after(self, cursor: str, count: int) -> list[Notice]: ...


class _Subscription:
    __slots__ = ("queue",)

    def __init__(self, size: int) -> None:
        self.queue: asyncio.Queue[Notice | None] = asyncio.Queue(maxsize=size)  # None: closed


class Fanout:
    """This process's live subscriptions and the source feeding them."""

    def __init__(
        self, source: Source, *, max_subscriptions: int, queue_size: int, page_size: int = PAGE_SIZE
    ) -> None:
        self.source = source
        self.max_subscriptions = max_subscriptions
        self.queue_size = queue_size
        self.page_size = page_size
        self.subscriptions: set[_Subscription] = set()
        self.notices = 0  # read from the source
        self.delivered = 0  # handed to subscriptions (live and replayed)
        self.closed_slow = 0
        self.refused = 0

    async def start(self) -> None:
        await self.source.start(self.deliver)

    async def stop(self) -> None:
        await self.source.stop()

    @property
    def live(self) -> int:
        return len(self.subscriptions)

    def deliver(self, notice: Notice) -> None:
        """Queue ``notice`` for every subscription; an overflowing one is closed."""
        self.notices += 1
        for subscription in list(self.subscriptions):
            try:
                subscription.queue.put_nowait(notice)
            except asyncio.QueueFull:
                self._close_slow(subscription)

    def _close_slow(self, subscription: _Subscription) -> None:
        self.subscriptions.discard(subscription)
        while not subscription.queue.empty():  # free what it holds; it resumes from a cursor
            subscription.queue.get_nowait()
        subscription.queue.put_nowait(None)
        self.closed_slow += 1

    async def stream(self, after: str | None = None) -> AsyncIterator[Notice]:
        """Every notice after ``after`` (retained ones first), then live ones, each once and in
        order. Raises TooManySubscriptions, CursorExpired, Unavailable or SlowConsumer."""
        if after is not None:
            try:
                cursor_key(after)
            except ValueError as exc:
                raise CursorExpired(str(exc)) from exc
        if len(self.subscriptions) >= self.max_subscriptions:
            self.refused += 1
            raise TooManySubscriptions(f"{self.max_subscriptions} live subscriptions already")
        subscription = _Subscription(self.queue_size)
        self.subscriptions.add(subscription)
        try:
            last = after
            while last is not None:
                page = await self.source.after(last, self.page_size)
                for notice in page:
                    self.delivered += 1
                    last = notice.cursor
                    yield notice
                if len(page) < self.page_size:
                    break
            last_key = cursor_key(last) if last is not None else None
            while True:
                notice = await subscription.queue.get()
                if notice is None:
                    raise SlowConsumer(last)
                key = cursor_key(notice.cursor)
                if last_key is not None and key <= last_key:
                    continue  # replayed already
                last_key, last = key, notice.cursor
                self.delivered += 1
                yield notice
        finally:
            self.subscriptions.discard(subscription)


class LocalSource:
    """The embedded mode: notices published in this process (:mod:`core.notices`)."""

    def __init__(self) -> None:
        self._unlisten: Callable[[], None] | None = None

    async def start(self, deliver: Callable[[Notice], None]) -> None:
        self._unlisten = notices.listen(deliver)

    async def stop(self) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None

    async def after(self, cursor: str, count: int) -> list[Notice]:
        return notices.buffer.after(cursor, count)


class RedisSource:
    """The events stream in Redis: one blocking XREAD loop on its own connection, and a second
    client for the reads of resuming subscriptions."""

    def __init__(self, url: str, stream: str, *, block_ms: int = BLOCK_MS) -> None:
        self.url = url
        self.stream = stream
        self.block_ms = block_ms
        self.last: str | None = None
        self.connected = False
        self._task: asyncio.Task[None] | None = None
        self._reads: aioredis.Redis | None = None

    @property
    def reads(self) -> aioredis.Redis:
        if self._reads is None:  # created on first use, on the event loop that uses it
            self._reads = aioredis.Redis.from_url(
                self.url, socket_connect_timeout=5, socket_timeout=10
            )
        return self._reads

    def _reader_client(self) -> aioredis.Redis:
        return aioredis.Redis.from_url(
            self.url, socket_connect_timeout=5, socket_timeout=self.block_ms / 1000 + 10
        )

    async def start(self, deliver: Callable[[Notice], None]) -> None:
        try:
            async with asyncio.timeout(START_TIMEOUT):
                self.last = await streams.last_id(self.reads, self.stream)
        except (RedisError, OSError, TimeoutError) as exc:
            # Carry on from now: stream ids are append times in milliseconds.
            self.last = f"{time.time_ns() // 1_000_000}-0"
            log.warning("events stream unreachable at start (%s); reading from %s", exc, self.last)
        self._task = asyncio.create_task(self._read(deliver), name="kembar-live-reader")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._reads is not None:
            await self._reads.aclose()
            self._reads = None

    async def after(self, cursor: str, count: int) -> list[Notice]:
        try:
            return await streams.after(self.reads, self.stream, cursor, count)
        except (RedisError, OSError) as exc:
            raise Unavailable(str(exc)) from exc

    async def _read(self, deliver: Callable[[Notice], None]) -> None:
        backoff = BACKOFF_MIN
        while True:
            client = self._reader_client()
            try:
                while True:
                    found = await client.xread(
                        {self.stream: self.last or "$"}, count=READ_COUNT, block=self.block_ms
                    )
                    self.connected = True
                    backoff = BACKOFF_MIN
                    for _name, entries in found or ():
                        for notice in streams.notices(entries):
                            self.last = notice.cursor
                            deliver(notice)
            except (RedisError, OSError) as exc:
                self.connected = False
                log.warning("events stream read failed (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
            except Exception:  # a bug in a listener must not stop every live subscription
                log.exception("live fan-out failed; restarting the reader")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
            finally:
                await client.aclose()


def fanout_for(
    *,
    redis_url: str | None,
    stream: str,
    max_subscriptions: int,
    queue_size: int,
) -> Fanout:
    """The fan-out for this process: the Redis stream when Redis is configured, else local."""
    source: Source = RedisSource(redis_url, stream) if redis_url else LocalSource()
    return Fanout(source, max_subscriptions=max_subscriptions, queue_size=queue_size)
