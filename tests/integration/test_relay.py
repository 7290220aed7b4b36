"""The relay: claims in order, marks sent, stops at the first failure and loses nothing; one active
relay at a time on PostgreSQL, woken by NOTIFY; real Redis as the broker, stopped and restarted."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import redis as redis_client

from core import relay
from core.envelope import Envelope
from core.models import OutboxEvent
from core.settings import Settings
from tests import factories
from workers.broker import build_broker
from workers.publish import messages_for, publisher
from workers.relay import run_relay


async def three_events() -> None:
    await factories.pair()
    await factories.pair("Surabaya", "Seattle", "US")
    await factories.pair("Medan", "Ipoh", "MY")


async def test_a_batch_is_published_in_commit_order_and_marked_sent(db: str) -> None:
    await three_events()
    published: list[Envelope] = []

    async def publish(envelope: Envelope) -> None:
        published.append(envelope)

    result = await relay.relay_batch(publish, limit=10)
    assert (result.claimed, result.sent, result.error) == (3, 3, None)
    rows = await OutboxEvent.all().order_by("seq")
    assert [e.event_id for e in published] == [r.event_id for r in rows]
    assert all(r.sent_at is not None and r.attempts == 1 for r in rows)
    assert (await relay.relay_batch(publish)).claimed == 0


async def test_a_publish_failure_stops_the_batch_and_loses_nothing(db: str) -> None:
    await three_events()
    published: list[int | None] = []
    down = True

    async def publish(envelope: Envelope) -> None:
        if down and len(published) == 1:
            raise ConnectionError("redis is down")
        published.append(envelope.seq)

    result = await relay.relay_batch(publish)
    assert (result.sent, type(result.error)) == (1, ConnectionError)
    first, second, third = await OutboxEvent.all().order_by("seq")
    assert first.sent_at is not None
    assert second.sent_at is None and second.attempts == 1 and "redis is down" in second.last_error
    assert third.sent_at is None and third.attempts == 0
    down = False
    result = await relay.relay_batch(publish)
    assert result.sent == 2 and published == [first.seq, second.seq, third.seq]
    assert (await OutboxEvent.get(seq=second.seq)).last_error is None


@pytest.mark.postgres
async def test_concurrent_claims_skip_locked_rows_and_never_send_twice(db: str) -> None:
    for i in range(12):
        await factories.pair(f"Kota {i}", f"City {i}", "DE")
    sent: list[int | None] = []

    async def slow(envelope: Envelope) -> None:
        await asyncio.sleep(0.01)
        sent.append(envelope.seq)

    results = await asyncio.gather(*(relay.relay_batch(slow, limit=5) for _ in range(3)))
    while (await relay.relay_batch(slow, limit=5)).claimed:
        pass
    assert sorted(sent) == sorted(set(sent)) and len(sent) == 12
    assert sum(r.claimed for r in results) <= 12


def _settings(db: str, **extra: Any) -> Settings:
    return Settings(database_url=db, redis_url=None, **extra)


@pytest.mark.postgres
async def test_one_relay_is_active_the_other_takes_over_and_notify_wakes_it(db: str) -> None:
    got: dict[str, list[float]] = {"a": [], "b": []}

    def recorder(name: str) -> Any:
        async def publish(envelope: Envelope) -> None:
            got[name].append(time.monotonic())

        return publish

    settings = _settings(db, relay_idle_poll_seconds=30.0)  # only NOTIFY can wake it in time
    stop_a, stop_b = asyncio.Event(), asyncio.Event()
    a = asyncio.create_task(run_relay(recorder("a"), settings=settings, stop=stop_a))
    await asyncio.sleep(0.3)
    b = asyncio.create_task(run_relay(recorder("b"), settings=settings, stop=stop_b))
    await asyncio.sleep(0.3)
    committed = time.monotonic()
    await factories.pair()
    await _until(lambda: len(got["a"]) == 1)
    assert got["a"][0] - committed < 1.0 and got["b"] == []
    stop_a.set()
    await a  # its lock connection closes: b takes over within about a second
    await factories.pair("Surabaya", "Seattle", "US")
    await _until(lambda: len(got["b"]) == 1, seconds=5)
    stop_b.set()
    await b
    assert await OutboxEvent.filter(sent_at__isnull=True).count() == 0


async def _until(check: Any, seconds: float = 3.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


@pytest.mark.redis
async def test_relay_to_real_redis_survives_redis_going_away(db: str, private_redis: Any) -> None:
    broker = build_broker(Settings(database_url=db, redis_url=private_redis.url))
    publish = publisher(broker)
    queues = redis_client.Redis.from_url(private_redis.url)
    await factories.pair()
    first = Envelope.from_row(await OutboxEvent.get(seq=(await OutboxEvent.first()).seq))  # type: ignore[union-attr]
    assert (await relay.relay_batch(publish)).sent == 1
    # notifications: events.notify and deliveries.plan
    assert queues.llen("dramatiq:evaluations") == 1 and queues.llen("dramatiq:notifications") == 2
    assert {m.message_id for m in messages_for(first)} == {
        m.message_id for m in messages_for(first)
    }  # derived from the event id: stable

    private_redis.stop()
    try:
        await factories.pair("Surabaya", "Seattle", "US")  # the request path does not need Redis
        failed = await relay.relay_batch(publish)
        assert failed.sent == 0 and failed.error is not None
        waiting = await OutboxEvent.get(sent_at__isnull=True)
        assert waiting.attempts == 1 and waiting.last_error
    finally:
        private_redis.start()
    assert (await relay.relay_batch(publish)).sent == 1
    queues.close()
    queues = redis_client.Redis.from_url(private_redis.url)  # the restarted server is empty
    assert queues.llen("dramatiq:evaluations") == 1
    queues.close()
    broker.client.close()
    assert await OutboxEvent.filter(sent_at__isnull=True).count() == 0
