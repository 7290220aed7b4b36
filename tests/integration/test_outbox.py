"""The outbox: events written in the transaction of their change; backlog and pruning."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise.transactions import in_transaction

from core import clock, relay
from core.enums import DocumentType
from core.errors import DomainError
from core.models import OutboxEvent, Partnership, ProcessedEvent
from core.services import partnerships
from core.services.backlog import outbox_backlog
from core.stages import Stage
from tests import factories


class Boom(Exception):
    pass


async def test_a_rolled_back_change_leaves_no_event(db: str) -> None:
    p = await factories.pair()
    before = await OutboxEvent.all().count()
    with pytest.raises(Boom):
        async with in_transaction():
            await factories.document(p, DocumentType.FEASIBILITY_STUDY)
            raise Boom
    assert await OutboxEvent.all().count() == before
    with pytest.raises(DomainError):  # refused by its guards: nothing written
        await partnerships.advance_stage(
            partnership_id=p.id, to=Stage.EXPLORATION, expected_version=p.version, actor="o"
        )
    assert await OutboxEvent.all().count() == before
    assert (await Partnership.get(id=p.id)).stage is Stage.IDENTIFICATION


async def test_backlog_counts_unsent_and_ages_the_oldest(db: str) -> None:
    assert (await outbox_backlog()).unsent == 0
    start = clock.now()
    try:
        clock.freeze(start - timedelta(minutes=5))
        await factories.pair()
        clock.freeze(start)
        await factories.pair("Surabaya", "Seattle", "US")
        found = await outbox_backlog()
    finally:
        clock.freeze(None)
    assert found.unsent == 2
    assert found.oldest_age_seconds == pytest.approx(300, abs=1)
    assert found.failing == 0 and found.last_error is None


async def test_prune_drops_only_old_sent_rows_and_old_processed_keys(db: str) -> None:
    await factories.pair()
    await factories.pair("Surabaya", "Seattle", "US")
    old, recent = await OutboxEvent.all().order_by("seq")
    await OutboxEvent.filter(seq=old.seq).update(sent_at=clock.now() - timedelta(days=8))
    await OutboxEvent.filter(seq=recent.seq).update(sent_at=clock.now() - timedelta(days=6))
    await factories.pair("Medan", "Ipoh", "MY")  # unsent: never pruned
    await ProcessedEvent.create(
        event_id=old.event_id, consumer="x", processed_at=clock.now() - timedelta(days=31)
    )
    await ProcessedEvent.create(event_id=recent.event_id, consumer="x", processed_at=clock.now())
    assert await relay.prune(sent_before_days=7, processed_before_days=30) == (1, 1)
    assert await OutboxEvent.all().count() == 2
    assert await ProcessedEvent.all().count() == 1
