"""Write domain events to the outbox inside the caller's transaction (never send from here)."""

from __future__ import annotations

import dataclasses
import uuid

from core import clock, correlation
from core.events import Event
from core.models import OutboxEvent


async def record(event: Event, *, actor: str) -> OutboxEvent:
    """Append ``event`` to the outbox; commits or rolls back with the surrounding transaction."""
    payload = {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in dataclasses.asdict(event).items()
    }
    return await OutboxEvent.create(
        event_id=uuid.uuid4(),
        type=event.TYPE,
        version=event.VERSION,
        occurred_at=clock.now(),
        aggregate_type=event.AGGREGATE,
        aggregate_id=event.aggregate_id(),
        actor=actor,
        correlation_id=correlation.current(),
        payload=payload,
    )
