"""Apply an event's effect at most once per consumer: the processed-event key is written in the
same transaction as the effect, so a redelivered or replayed message finds it and does nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core import clock, correlation
from core.envelope import Envelope
from core.models import ProcessedEvent


async def apply_once(
    consumer: str, envelope: Envelope, effect: Callable[[Envelope], Awaitable[None]]
) -> bool:
    """Run ``effect(envelope)`` unless ``consumer`` already applied this event; True if it ran.

    The key row is inserted before the effect, so a concurrent duplicate delivery blocks on the
    unique index until the first commits, then fails and rolls back its own effect (its retry
    then finds the key). A failing effect rolls back the key with it."""
    token = correlation.bind(envelope.correlation_id)
    try:
        async with in_transaction():
            if await ProcessedEvent.filter(event_id=envelope.event_id, consumer=consumer).exists():
                return False
            await ProcessedEvent.create(
                event_id=envelope.event_id, consumer=consumer, processed_at=clock.now()
            )
            await effect(envelope)
        return True
    except IntegrityError:
        if await ProcessedEvent.filter(event_id=envelope.event_id, consumer=consumer).exists():
            return False  # a concurrent delivery of the same event won
        raise
    finally:
        correlation.reset(token)
