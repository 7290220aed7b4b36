"""End to end: real `kembar relay` and `dramatiq workers.actors` processes, the test's PostgreSQL
database and a private redis-server; transitions are committed from this process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis as redis_client

from core.envelope import Envelope
from core.models import Evaluation, OutboxEvent, PartnershipMetrics, ProcessedEvent
from core.services import evaluations
from core.settings import Settings
from core.stages import Stage
from tests import factories
from tests.e2e.processes import Processes
from workers import routes
from workers.broker import build_broker
from workers.publish import publisher

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]

async def expected_keys() -> int:
    return sum(len(routes.consumers(row.type)) for row in await OutboxEvent.all())


async def settled(seconds: float = 40.0) -> None:
    """Wait until every event in the outbox is sent and applied by each of its consumers."""
    deadline = time.monotonic() + seconds
    while True:
        unsent = await OutboxEvent.filter(sent_at__isnull=True).count()
        if not unsent and await ProcessedEvent.all().count() == await expected_keys():
            await asyncio.sleep(0.3)  # actors may still be writing follow-up events
            if (
                not await OutboxEvent.filter(sent_at__isnull=True).count()
                and await ProcessedEvent.all().count() == await expected_keys()
            ):
                return
        assert time.monotonic() < deadline, (
            f"not settled: {unsent} unsent, {await ProcessedEvent.all().count()} of "
            f"{await expected_keys()} applied"
        )
        await asyncio.sleep(0.1)


async def cycles(count: int) -> list[Any]:
    """``count`` partnerships: implementation → evaluation → implementation → evaluation."""
    made = []
    for i in range(count):
        p = await factories.at_stage(Stage.EVALUATION, indonesian=f"Kota {i}", foreign=f"Stadt {i}")
        await factories.document(p, factories.DocumentType.EVALUATION_REPORT)
        p = await factories.advance(p, Stage.IMPLEMENTATION)
        p = await factories.advance(p, Stage.EVALUATION)
        made.append(p)
    return made


async def check_records(made: list[Any]) -> None:
    assert await Evaluation.all().count() == 2 * len(made)
    for p in made:
        first, second = await evaluations.list_evaluations(partnership_id=p.id)
        assert (first.outcome, first.recommendation) == ("implementation", "continue")
        assert second.closed_at is None
    assert await OutboxEvent.filter(type="evaluation.opened").count() == 2 * len(made)
    assert await OutboxEvent.filter(type="evaluation.closed").count() == len(made)
    assert await PartnershipMetrics.all().count() == len(made)


async def snapshot() -> tuple[Any, ...]:
    return (
        await Evaluation.all().order_by("id").values(),
        await OutboxEvent.all().count(),
        await ProcessedEvent.all().count(),
        await PartnershipMetrics.all().order_by("id").values("partnership_id", "programs"),
    )


def redis_idle(url: str) -> bool:
    with redis_client.Redis.from_url(url) as client:
        queues = ("dramatiq:evaluations", "dramatiq:notifications")
        if any(client.llen(q) for q in queues) or any(client.zcard(f"{q}.DQ") for q in queues):
            return False
        return not any(client.scard(key) for key in client.keys("dramatiq:__acks__.*"))


async def test_transitions_are_processed_once_even_when_delivered_twice(
    processes: Processes, private_redis: Any, migrated: str
) -> None:
    processes.start("relay")
    processes.start("worker")
    made = await cycles(3)
    transitions = await OutboxEvent.filter(type="partnership.stage_advanced").count()
    assert transitions == 3 * 6
    await settled()
    await check_records(made)
    before = await snapshot()

    # Deliver every event again, as a lost heartbeat or a replay would: nothing changes.
    broker = build_broker(Settings(database_url=migrated, redis_url=private_redis.url))
    publish = publisher(broker)
    for row in await OutboxEvent.all().order_by("seq"):
        await publish(Envelope.from_row(row))
    broker.client.close()
    deadline = time.monotonic() + 30
    while not redis_idle(private_redis.url):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
    assert await snapshot() == before


async def test_a_worker_killed_mid_batch_loses_nothing_and_applies_nothing_twice(
    processes: Processes, private_redis: Any
) -> None:
    made = await cycles(6)  # committed before any worker runs: one big batch waits in Redis
    processes.start("relay")
    processes.start("worker")
    total = await expected_keys()
    deadline = time.monotonic() + 30
    while await ProcessedEvent.all().count() < total // 5:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    processes.kill("worker")  # SIGKILL, mid-batch
    done_at_kill = await ProcessedEvent.all().count()
    assert done_at_kill < await expected_keys(), "the worker finished before it was killed"
    processes.start("worker")
    await settled(50)
    await check_records(made)


async def test_redis_down_while_transitions_commit_then_everything_arrives(
    processes: Processes, private_redis: Any
) -> None:
    processes.start("relay")
    processes.start("worker")
    p = await factories.at_stage(Stage.IMPLEMENTATION)
    await settled()
    private_redis.stop()
    try:
        started = time.monotonic()
        p = await factories.advance(p, Stage.EVALUATION)  # the request path does not need Redis
        assert time.monotonic() - started < 2
        deadline = time.monotonic() + 10
        while not await OutboxEvent.filter(sent_at__isnull=True, attempts__gte=1).exists():
            assert time.monotonic() < deadline, "the relay did not try while Redis was down"
            await asyncio.sleep(0.1)
        assert not await Evaluation.exists()
    finally:
        private_redis.start()
    await settled(40)
    [evaluation] = await evaluations.list_evaluations(partnership_id=p.id)
    assert evaluation.closed_at is None


@pytest.fixture(autouse=True)
async def _no_frozen_clock() -> AsyncIterator[None]:
    yield
