"""The fan-out over the embedded mode's notices: resume without gap or duplicate, bounded queues,
the per-process limit (no database, no Redis: the local source is the real one)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from core import notices
from core.fanout import (
    CursorExpired,
    Fanout,
    LocalSource,
    SlowConsumer,
    TooManySubscriptions,
)
from core.notices import Notice, RingBuffer


@pytest.fixture(autouse=True)
def ring(monkeypatch: pytest.MonkeyPatch) -> Iterator[RingBuffer]:
    buffer = RingBuffer(100, epoch=42)
    monkeypatch.setattr(notices, "buffer", buffer)
    yield buffer


class RacingSource(LocalSource):
    """Publishes one notice while a resuming subscription reads its first page: the notice lands
    both in the page and in the subscription's queue."""

    def __init__(self) -> None:
        super().__init__()
        self.raced = False

    async def after(self, cursor: str, count: int) -> list[Notice]:
        if not self.raced:
            self.raced = True
            notices.publish_local("raced")
        return await super().after(cursor, count)


async def started(source: Any = None, **limits: int) -> Fanout:
    values = {"max_subscriptions": 10, "queue_size": 10, **limits}
    fanout = Fanout(source or LocalSource(), **values)
    await fanout.start()
    return fanout


async def take(stream: AsyncIterator[Notice], count: int) -> list[str]:
    async with asyncio.timeout(2):
        return [(await anext(stream)).data for _ in range(count)]


async def test_live_notices_arrive_in_order_and_the_subscription_is_dropped_on_close() -> None:
    fanout = await started()
    stream = fanout.stream()
    first = asyncio.create_task(anext(stream))
    await asyncio.sleep(0)  # registered
    assert fanout.live == 1
    for data in ("a", "b", "c"):
        notices.publish_local(data)
    assert (await first).data == "a"
    assert await take(stream, 2) == ["b", "c"]
    await stream.aclose()  # type: ignore[attr-defined]
    assert fanout.live == 0
    assert (fanout.notices, fanout.delivered) == (3, 3)
    await fanout.stop()
    notices.publish_local("after stop")
    assert fanout.notices == 3


async def test_resume_races_an_append_and_still_sends_each_notice_once_in_order() -> None:
    fanout = await started(RacingSource(), queue_size=10)
    fanout.page_size = 2  # several pages
    seen = [notices.publish_local(d) for d in ("a", "b", "c", "d", "e")]
    stream = fanout.stream(after=seen[0].cursor)
    assert await take(stream, 5) == ["b", "c", "d", "e", "raced"]
    notices.publish_local("f")
    assert await take(stream, 1) == ["f"]
    nothing = asyncio.create_task(anext(stream))
    await asyncio.sleep(0.05)
    assert not nothing.done()  # "raced" was queued too, and skipped
    nothing.cancel()
    await fanout.stop()


async def test_resuming_from_the_newest_cursor_waits_for_the_next() -> None:
    fanout = await started()
    newest = notices.publish_local("a")
    stream = fanout.stream(after=newest.cursor)
    pending = asyncio.create_task(anext(stream))
    await asyncio.sleep(0.01)
    notices.publish_local("b")
    assert (await asyncio.wait_for(pending, 2)).data == "b"


async def test_an_expired_or_malformed_cursor_fails_before_registering() -> None:
    fanout = await started()
    notices.publish_local("a")
    for cursor in ("41-1", "42-9", "junk"):
        with pytest.raises(CursorExpired):
            await anext(fanout.stream(after=cursor))
    assert fanout.live == 0


async def test_a_slow_subscription_is_closed_with_its_last_cursor_not_grown() -> None:
    fanout = await started(queue_size=2)
    stream = fanout.stream()
    first = asyncio.create_task(anext(stream))
    await asyncio.sleep(0)
    sent = notices.publish_local("a")
    assert (await first).data == "a"
    for data in ("b", "c", "d"):  # the client reads none of these: the queue (2) overflows
        notices.publish_local(data)
    assert fanout.live == 0 and fanout.closed_slow == 1
    with pytest.raises(SlowConsumer) as closed:
        await anext(stream)
    assert closed.value.last_cursor == sent.cursor
    other = fanout.stream()
    task = asyncio.create_task(anext(other))
    await asyncio.sleep(0)
    notices.publish_local("e")
    assert (await task).data == "e"  # the others carry on


async def test_the_process_limit_refuses_one_more() -> None:
    fanout = await started(max_subscriptions=1)
    held = fanout.stream()
    task = asyncio.create_task(anext(held))
    await asyncio.sleep(0)
    with pytest.raises(TooManySubscriptions):
        await anext(fanout.stream())
    assert fanout.refused == 1 and fanout.live == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await held.aclose()  # type: ignore[attr-defined]
    assert fanout.live == 0
