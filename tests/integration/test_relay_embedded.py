"""The embedded mode: relay and a Dramatiq Worker on the StubBroker inside this process, through
the same code paths as the real processes (no Redis)."""

from __future__ import annotations

import asyncio
import json
import time

from core import notices
from core.models import Evaluation, OutboxEvent, ProcessedEvent
from core.services import evaluations
from core.settings import Settings
from core.stages import Stage
from tests import factories
from workers import embedded, routes


async def test_transitions_flow_through_the_in_process_relay_and_worker(db: str) -> None:
    settings = Settings(database_url=db, redis_url=None, relay_idle_poll_seconds=0.2)
    heard: list[str] = []
    stop_listening = notices.listen(lambda notice: heard.append(notice.data))
    try:
        async with embedded.running(settings, worker_threads=2):
            p = await factories.at_stage(Stage.EVALUATION)
            deadline = time.monotonic() + 20
            while (
                await OutboxEvent.filter(sent_at__isnull=True).exists()
                or not await Evaluation.exists()
                or await ProcessedEvent.filter(consumer=routes.NOTIFY).count()
                < await OutboxEvent.all().count()
            ):
                assert time.monotonic() < deadline, "events were not processed in time"
                await asyncio.sleep(0.05)
    finally:
        stop_listening()
    [evaluation] = await evaluations.list_evaluations(partnership_id=p.id)
    assert evaluation.closed_at is None
    # every event reached the live notices; in the order the worker's threads finished them,
    # which need not be commit order (two threads notify concurrently)
    types = {json.loads(notice)["type"] for notice in heard}
    assert types == set(await OutboxEvent.all().values_list("type", flat=True))
    assert "partnership.proposed" in types
