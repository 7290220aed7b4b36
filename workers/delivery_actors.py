"""The delivery actors: ``deliveries.plan`` (one message per event, from the routing table) and
``deliveries.send`` (one message per delivery attempt). They delegate to
:mod:`core.services.deliveries` and :mod:`core.services.delivery_attempts`. The Delivery rows'
unique key, not the processed-event key, makes them idempotent: plan records its key like every
consumer but runs again when redelivered, so a redelivered plan message also re-sends what a
crash between commit and enqueue left unsent."""

from __future__ import annotations

import asyncio
from typing import Any

import dramatiq

from core import correlation
from core.envelope import Envelope
from core.services import deliveries, delivery_attempts
from core.settings import get_settings
from workers.broker import broker  # noqa: F401  (the broker must exist before any actor)

PLAN = "deliveries.plan"
SEND = "deliveries.send"
QUEUE = "notifications"  # beside events.notify (worker threads are shared by queues anyway)


@dramatiq.actor(
    actor_name=PLAN,
    queue_name=QUEUE,
    max_retries=8,
    min_backoff=500,
    max_backoff=60_000,
    time_limit=30_000,
    throws=(ValueError,),
)
async def plan_deliveries(envelope: dict[str, Any]) -> None:
    """Create the event's deliveries (once), then send a message for each one still pending."""
    event = Envelope.from_dict(envelope)
    token = correlation.bind(event.correlation_id)
    try:
        await enqueue_sends(await deliveries.plan(envelope=event, consumer=PLAN))
    finally:
        correlation.reset(token)


def _send_time_limit_ms() -> int:
    """An attempt's overall limit + 15 s (its bookkeeping): inside the claim's lease (+ 30 s), so
    the lease never runs out under an attempt still running (tested)."""
    return int((delivery_attempts.attempt_seconds(get_settings()) + 15) * 1000)


@dramatiq.actor(
    actor_name=SEND,
    queue_name=QUEUE,
    max_retries=3,
    min_backoff=1_000,
    max_backoff=30_000,
    time_limit=_send_time_limit_ms(),
)
async def send_delivery(delivery_id: int) -> None:
    """Try one delivery if it is pending and due; schedule the next try when it failed (long
    waits are left to the relay's sweep, which also heals a lost message)."""
    sent = await delivery_attempts.send(delivery_id=delivery_id)
    if sent.retry_in is not None:
        await asyncio.to_thread(
            send_delivery.send_with_options,
            args=(delivery_id,),
            delay=max(0, int(sent.retry_in * 1000)),
        )


async def enqueue_sends(delivery_ids: list[int]) -> None:
    """One ``deliveries.send`` message per id (off the event loop: the Redis client blocks),
    then note them as enqueued."""
    if not delivery_ids:
        return

    def enqueue() -> None:
        for delivery_id in delivery_ids:
            send_delivery.send(delivery_id)

    await asyncio.to_thread(enqueue)
    await deliveries.mark_enqueued(delivery_ids=delivery_ids)


async def sweep() -> int:
    """Send a message for every due delivery without one (the relay calls this periodically)."""
    found = await deliveries.sweep()
    if found:

        def enqueue() -> None:
            for delivery_id in found:
                send_delivery.send(delivery_id)

        await asyncio.to_thread(enqueue)
    return len(found)


ACTORS = {actor.actor_name: actor for actor in (plan_deliveries, send_delivery)}
