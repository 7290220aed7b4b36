"""Messages that failed for good: listed with their error, replayed back onto their queue."""

from __future__ import annotations

import time
from typing import Any

import dramatiq
import pytest
import redis as redis_client
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import Retries

from core.services import dead_letters
from workers.broker import DeadLetterErrors

pytestmark = pytest.mark.redis


class Broken(Exception):
    pass


def test_dead_letters_are_listed_with_their_error_and_replayed(private_redis: Any) -> None:
    broker = RedisBroker(
        url=private_redis.url, middleware=[Retries(max_retries=0), DeadLetterErrors()]
    )
    calls: list[dict[str, Any]] = []

    @dramatiq.actor(broker=broker, actor_name="test.fails", queue_name="test-dead", max_retries=0)
    def fails(envelope: dict[str, Any]) -> None:
        calls.append(envelope)
        raise Broken("the partnership vanished")

    fails.send({"event_id": "e-1", "type": "partnership.proposed"})
    worker = dramatiq.Worker(broker, worker_timeout=50, worker_threads=1)
    worker.start()
    try:
        deadline = time.monotonic() + 10
        raw = redis_client.Redis.from_url(private_redis.url)
        while not raw.zcard("dramatiq:test-dead.XQ"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        worker.stop()

    import asyncio

    [letter] = asyncio.run(dead_letters.list_dead_letters(redis_url=private_redis.url))
    assert (letter.queue, letter.actor_name) == ("test-dead", "test.fails")
    assert (letter.event_id, letter.event_type) == ("e-1", "partnership.proposed")
    assert "Broken: the partnership vanished" in letter.error

    new_id = asyncio.run(
        dead_letters.replay(
            queue=letter.queue,
            redis_message_id=letter.redis_message_id,
            redis_url=private_redis.url,
        )
    )
    assert new_id is not None
    assert raw.zcard("dramatiq:test-dead.XQ") == 0 and raw.llen("dramatiq:test-dead") == 1
    assert asyncio.run(dead_letters.list_dead_letters(redis_url=private_redis.url)) == []
    assert (
        asyncio.run(
            dead_letters.replay(
                queue="test-dead", redis_message_id="gone", redis_url=private_redis.url
            )
        )
        is None
    )
    # the replayed message runs again (and would dead-letter again: same code, same failure)
    worker = dramatiq.Worker(broker, worker_timeout=50, worker_threads=1)
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while len(calls) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        worker.stop()
    assert asyncio.run(dead_letters.replay_all(redis_url=private_redis.url)) == 1
    raw.close()
    broker.client.close()
