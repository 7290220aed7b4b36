"""End to end: a stage change committed here reaches a webhook receiver through real `kembar relay`
and `dramatiq workers.actors` processes (PostgreSQL, a private Redis), exactly once, signed so
that the independent ``standardwebhooks`` package verifies it.

Reusable pieces for the all-channels test: ``webhook_processes`` (relay and worker that may send
to loopback, on a compressed retry schedule) and ``subscribe_webhook``.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from standardwebhooks import Webhook

from core.models import Delivery, DeliveryAttempt, DeliveryStatus, Partnership
from core.models.subscriber import TopicKind
from core.services import subscribers
from core.services.subscribers import TopicInput
from core.stages import Stage
from tests import factories
from tests.e2e.processes import Processes
from tests.webhook_receiver import WebhookReceiver, webhook_env  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def webhook_processes(
    processes: Processes,
    webhook_env: dict[str, str],  # noqa: F811 (the fixture imported above)
) -> Processes:
    """Relay and worker processes (started by the test) whose webhooks may reach 127.0.0.0/8."""
    processes.env.update(webhook_env)
    return processes


async def subscribe_webhook(
    url: str, p: Partnership, event_types: list[str] | None = None, **channels: Any
) -> tuple[int, str]:
    """A subscriber of ``p`` with its webhook at ``url``; returns its id and secret."""
    issued = await subscribers.create(
        owner_id=None,
        name="Sistem Informasi Kerja Sama",
        webhook_url=url,
        webhook_enabled=True,
        topic=TopicInput(kind=TopicKind.PARTNERSHIP, partnership_id=p.id),
        event_types=event_types,
        actor="e2e",
        **channels,
    )
    assert issued.secret is not None
    return issued.subscriber.id, issued.secret


async def test_advancing_a_partnership_sends_exactly_one_verified_webhook(
    webhook_processes: Processes,
) -> None:
    webhook_processes.start("relay")
    webhook_processes.start("worker")
    p = await factories.pair()
    await factories.document(p, factories.DocumentType.FEASIBILITY_STUDY)
    with WebhookReceiver() as receiver:
        subscriber_id, secret = await subscribe_webhook(
            receiver.url, p, ["partnership.stage_advanced"]
        )
        committed = time.time()
        await factories.advance(p, Stage.EXPLORATION)
        [request] = await asyncio.to_thread(receiver.wait_for, 1, 30.0)
        body = Webhook(secret).verify(request.body, request.headers)
        assert body["type"] == "partnership.stage_advanced"
        assert body["payload"]["partnership_id"] == p.id
        assert body["payload"]["to_stage"] == "exploration"
        assert request.headers["webhook-id"] == body["event_id"]
        assert json.loads(request.body) == body
        await asyncio.sleep(2.5)  # a duplicate would arrive by now (relay polls every second)
        assert len(receiver.received) == 1
    [delivery] = await Delivery.filter(subscriber_id=subscriber_id)
    assert delivery.status is DeliveryStatus.DELIVERED
    assert str(delivery.event_id) == body["event_id"]
    assert await DeliveryAttempt.filter(delivery_id=delivery.id).count() == 1
    assert request.at - committed < 10
