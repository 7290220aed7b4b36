"""The actors. Each takes an event envelope (a dict), has an explicit name, queue, retry policy and
time limit, is idempotent by event id (:func:`core.idempotency.apply_once`) and delegates to a
core service. Which events reach which actor: :mod:`workers.routes`."""

from __future__ import annotations

import logging
from typing import Any

import dramatiq
import redis.asyncio as aioredis

from core import notices, streams
from core.envelope import Envelope
from core.idempotency import apply_once
from core.services import evaluations, metrics
from core.settings import get_settings
from workers import routes
from workers.broker import broker  # noqa: F401  (the broker must exist before any actor)
from workers.delivery_actors import ACTORS as DELIVERY_ACTORS

log = logging.getLogger(__name__)

EVALUATIONS_QUEUE = "evaluations"
NOTIFICATIONS_QUEUE = "notifications"

# A failing message is retried for about five minutes, then dead-lettered for an admin to replay.
# A malformed envelope (ValueError) will never succeed: it goes straight to the dead letters.
_POLICY: dict[str, Any] = {
    "max_retries": 8,
    "min_backoff": 500,
    "max_backoff": 60_000,
    "time_limit": 30_000,
    "throws": (ValueError,),
}


@dramatiq.actor(actor_name=routes.METRICS, queue_name=EVALUATIONS_QUEUE, **_POLICY)
async def refresh_metrics(envelope: dict[str, Any]) -> None:
    """Recompute the metrics of the partnership the event concerns."""
    await apply_once(routes.METRICS, Envelope.from_dict(envelope), _refresh_metrics)


async def _refresh_metrics(envelope: Envelope) -> None:
    if envelope.partnership_id is not None:
        await metrics.refresh(partnership_id=envelope.partnership_id)


@dramatiq.actor(actor_name=routes.EVALUATIONS, queue_name=EVALUATIONS_QUEUE, **_POLICY)
async def track_evaluations(envelope: dict[str, Any]) -> None:
    """Open or close the partnership's evaluation records to match its stage history."""
    await apply_once(routes.EVALUATIONS, Envelope.from_dict(envelope), _track_evaluations)


async def _track_evaluations(envelope: Envelope) -> None:
    if envelope.partnership_id is not None:
        await evaluations.track(partnership_id=envelope.partnership_id)


@dramatiq.actor(
    actor_name=routes.NOTIFY,
    queue_name=NOTIFICATIONS_QUEUE,
    max_retries=3,
    min_backoff=200,
    max_backoff=5_000,
    time_limit=10_000,
    throws=(ValueError,),
)
async def notify(envelope: dict[str, Any]) -> None:
    """Append the event to the events stream for live subscriptions. A redelivery after the append
    but before the key commits appends nothing: the stream dedupes by event id
    (:func:`core.streams.append`)."""
    await apply_once(routes.NOTIFY, Envelope.from_dict(envelope), _notify)


_stream_client: aioredis.Redis | None = None


async def _notify(envelope: Envelope) -> None:
    global _stream_client
    settings = get_settings()
    if not settings.redis_url:
        notices.publish_local(envelope.to_json())
        return
    if _stream_client is None:  # one client per worker process, on the actors' event loop
        _stream_client = aioredis.Redis.from_url(
            settings.redis_url, socket_connect_timeout=5, socket_timeout=5
        )
    await streams.append(
        _stream_client,
        stream=settings.events_stream,
        data=envelope.to_json(),
        retention_seconds=settings.events_stream_retention_seconds,
        max_entries=settings.events_stream_max_entries,
    )


ACTORS = {
    **{actor.actor_name: actor for actor in (refresh_metrics, track_evaluations, notify)},
    **DELIVERY_ACTORS,
}
