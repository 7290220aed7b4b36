"""How far behind the relay is: unsent outbox events and the age of the oldest."""

from __future__ import annotations

from dataclasses import dataclass

from core import clock
from core.models import OutboxEvent


@dataclass(frozen=True, slots=True)
class Backlog:
    unsent: int
    oldest_age_seconds: float | None  # None when nothing waits
    failing: int  # unsent rows whose last publish attempt failed
    last_error: str | None  # the most recent of those errors


async def outbox_backlog() -> Backlog:
    """The outbox backlog: count of unsent events, age of the oldest, publish failures."""
    unsent = OutboxEvent.filter(sent_at__isnull=True)
    count = await unsent.count()
    oldest = await unsent.order_by("seq").first()
    failing = OutboxEvent.filter(sent_at__isnull=True, last_error__isnull=False)
    failed_last = await failing.order_by("-seq").first()
    return Backlog(
        unsent=count,
        oldest_age_seconds=(
            max(0.0, (clock.now() - oldest.occurred_at).total_seconds()) if oldest else None
        ),
        failing=await failing.count(),
        last_error=failed_last.last_error if failed_last else None,
    )
