"""Deliveries: which subscribers an event goes to (plan), the sweep that heals lost messages, an
admin's redeliver and replay, and the queries. Sending one: :mod:`core.services.delivery_attempts`.

Exactly once per (event, subscriber, channel): the Delivery row's unique key. Planning creates
the missing rows only, so a redelivered plan message creates nothing twice. An admin's redeliver
or replay while an attempt is in flight is overwritten by that attempt's outcome (redeliver
again if needed).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from core import clock, correlation
from core.envelope import Envelope
from core.errors import DomainError, ErrorCode
from core.models import (
    AuditEntry,
    Channel,
    City,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    OutboxEvent,
    Partnership,
    ProcessedEvent,
    Subscriber,
)
from core.pagination import Page, Window, paginate
from core.services import audit
from core.services.accounts import region_chain
from core.settings import Settings, get_settings
from core.topics import EventScope, Topic, matches

log = logging.getLogger(__name__)

SENT_CHANNELS = (Channel.WEBHOOK, Channel.EMAIL)  # in-app deliveries are done when planned
REPLAY_BATCH = 500  # outbox rows a replay reads at once


# planning ------------------------------------------------------------------------------------


async def scope_of(envelope: Envelope) -> EventScope:
    """The facts topic matching needs about the event's partnership (regions up their parents,
    both countries)."""
    partnership_id = envelope.partnership_id
    regions: set[int] = set()
    countries: set[str] = set()
    if partnership_id is not None:
        pair = await Partnership.filter(id=partnership_id).values_list(
            "indonesian_region_id", "foreign_region_id"
        )
        for region_id in pair[0] if pair else ():
            regions.update(await region_chain(region_id) or ())
        if regions:
            countries.update(
                await City.filter(id__in=list(regions)).values_list("country_id", flat=True)
            )
    return EventScope(
        event_type=envelope.type,
        partnership_id=partnership_id,
        region_ids=frozenset(regions),
        country_codes=frozenset(countries),
    )


def topic_of(sub: Subscriber) -> Topic:
    return Topic(
        kind=sub.topic_kind,
        partnership_id=sub.partnership_id,
        region_id=sub.region_id,
        country_code=sub.country_id,
        event_types=tuple(sub.event_types or ()),
    )


def channels_of(sub: Subscriber) -> list[Channel]:
    """The channels ``sub`` has switched on (and can use)."""
    found = []
    if sub.email_enabled and sub.email:
        found.append(Channel.EMAIL)
    if sub.webhook_enabled and sub.webhook_url and sub.webhook_secret:
        found.append(Channel.WEBHOOK)
    if sub.in_app_enabled:
        found.append(Channel.IN_APP)
    return found


async def _candidates(scope: EventScope, subscriber_id: int | None) -> list[Subscriber]:
    near = Q(topic_kind="all")
    if scope.partnership_id is not None:
        near |= Q(partnership_id=scope.partnership_id)
    if scope.region_ids:
        near |= Q(region_id__in=list(scope.region_ids))
    if scope.country_codes:
        near |= Q(country_id__in=list(scope.country_codes))
    # a subscriber of a deactivated account hears nothing (until the account is active again)
    query = Subscriber.filter(near).filter(Q(owner_id__isnull=True) | Q(owner__active=True))
    if subscriber_id is not None:
        query = query.filter(id=subscriber_id)
    return [s for s in await query.order_by("id") if matches(topic_of(s), scope)]


async def plan(
    *, envelope: Envelope, subscriber_id: int | None = None, consumer: str | None = None
) -> list[int]:
    """Create the deliveries of ``envelope`` that do not exist yet (one per matching subscriber
    and enabled channel; in-app ones delivered at once), in one transaction. Returns the ids of
    the event's deliveries still to be sent (existing ones too, so a redelivered plan message
    re-sends what a crash left unsent). ``consumer``: also record the processed-event key, as
    every consumer does, but without skipping when it exists (the rows' key is what counts)."""
    if not await Subscriber.exists():  # nobody to tell: skip the region look-ups
        scope = EventScope(event_type=envelope.type, partnership_id=envelope.partnership_id)
    else:
        scope = await scope_of(envelope)
    now = clock.now()
    body = envelope.to_dict()
    async with in_transaction():
        if consumer is not None:  # recorded like every consumer's key; never skipped on
            await ProcessedEvent.bulk_create(
                [ProcessedEvent(event_id=envelope.event_id, consumer=consumer, processed_at=now)],
                ignore_conflicts=True,
            )
        subscribers = await _candidates(scope, subscriber_id)
        existing = set(
            await Delivery.filter(
                event_id=envelope.event_id, subscriber_id__in=[s.id for s in subscribers]
            ).values_list("subscriber_id", "channel")
        )
        rows = [
            new_delivery(envelope, body, sub.id, channel, now)
            for sub in subscribers
            for channel in channels_of(sub)
            if (sub.id, channel) not in existing and (sub.id, channel.value) not in existing
        ]
        if rows:  # a concurrent plan (the actor, a replay) may have made some meanwhile
            await Delivery.bulk_create(rows, ignore_conflicts=True)
    return await _pending_of(envelope.event_id, subscriber_id)


def new_delivery(
    envelope: Envelope, body: dict[str, Any], subscriber_id: int, channel: Channel, now: datetime
) -> Delivery:
    in_app = channel is Channel.IN_APP
    return Delivery(
        event_id=envelope.event_id,
        event_type=envelope.type,
        subscriber_id=subscriber_id,
        channel=channel,
        status=DeliveryStatus.DELIVERED if in_app else DeliveryStatus.PENDING,
        delivered_at=now if in_app else None,
        next_attempt_at=None if in_app else now,
        envelope=body,
        correlation_id=envelope.correlation_id,
        created_at=now,
        updated_at=now,
    )


async def _pending_of(event_id: uuid.UUID, subscriber_id: int | None) -> list[int]:
    query = Delivery.filter(
        event_id=event_id, status=DeliveryStatus.PENDING, channel__in=list(SENT_CHANNELS)
    )
    if subscriber_id is not None:
        query = query.filter(subscriber_id=subscriber_id)
    return list(await query.order_by("id").values_list("id", flat=True))


async def mark_enqueued(*, delivery_ids: list[int]) -> None:
    """Note that a send message exists for each of these (the sweep leaves them alone)."""
    if delivery_ids:
        await Delivery.filter(id__in=delivery_ids, status=DeliveryStatus.PENDING).update(
            enqueued_at=clock.now()
        )


# sending -------------------------------------------------------------------------------------



FINISHED = (
    DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.REFUSED, DeliveryStatus.SKIPPED
)  # fmt: skip


async def prune(*, before_days: int, batch: int = 1000) -> int:
    """Delete finished deliveries (and their attempts) created more than ``before_days`` ago, in
    batches; pending ones stay whatever their age. Returns how many deliveries went."""
    cutoff = clock.now() - timedelta(days=before_days)
    removed = 0
    while True:
        ids = list(
            await Delivery.filter(status__in=list(FINISHED), created_at__lt=cutoff)
            .limit(batch)
            .values_list("id", flat=True)
        )
        if not ids:
            return removed
        async with in_transaction():
            await DeliveryAttempt.filter(delivery_id__in=ids).delete()
            removed += await Delivery.filter(id__in=ids).delete()

# healing and admin ---------------------------------------------------------------------------


async def sweep(*, settings: Settings | None = None, limit: int = 500) -> list[int]:
    """Pending deliveries that are due and have no message (never had one, or it was lost:
    overdue by more than the grace, and not enqueued within the grace either); marks them
    enqueued and returns their ids to send."""
    settings = settings or get_settings()
    now = clock.now()
    overdue = now - timedelta(seconds=settings.delivery_sweep_grace_seconds)
    ids = list(
        await Delivery.filter(  # a lost message is sent again at most once per grace
            Q(enqueued_at__isnull=True, next_attempt_at__lte=now)
            | Q(next_attempt_at__lte=overdue, enqueued_at__lte=overdue),
            status=DeliveryStatus.PENDING,
            channel__in=list(SENT_CHANNELS),
        )
        .order_by("next_attempt_at", "id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    await mark_enqueued(delivery_ids=ids)
    return ids


def _reset(delivery: Delivery, now: datetime) -> None:
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0  # the schedule starts again; the attempt rows stay
    delivery.next_attempt_at = now
    delivery.enqueued_at = None
    delivery.delivered_at = None
    delivery.last_error = None


async def redeliver(*, delivery_id: int, actor: str) -> Delivery:
    """Send one delivery again from the start of the schedule (the sweep sends it)."""
    async with in_transaction():
        delivery = await Delivery.select_for_update().get_or_none(id=delivery_id)
        if delivery is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such delivery", "deliveryId")
        if delivery.channel is Channel.IN_APP:
            raise DomainError.one(
                ErrorCode.INVALID, "in-app deliveries are not sent", "deliveryId"
            )
        before = audit.snapshot(delivery, envelope=None)
        _reset(delivery, clock.now())
        await delivery.save()
        await audit.record(
            actor=actor,
            action="delivery.redeliver",
            entity=delivery,
            before=before,
            after=audit.snapshot(delivery, envelope=None),
        )
    return delivery


async def replay(*, since: datetime, subscriber_id: int | None = None, actor: str) -> int:
    """Send again every event since ``since`` (to one subscriber, or all): deliveries missing for
    events still in the outbox are planned, and every webhook and e-mail delivery of those events
    is reset to pending. Returns how many deliveries will be sent."""
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)  # a time without a zone is read as UTC
    if since > clock.now():
        raise DomainError.one(ErrorCode.INVALID, "since must not be in the future", "since")
    if subscriber_id is not None and not await Subscriber.filter(id=subscriber_id).exists():
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such subscriber", "subscriberId")
    after_seq: int | None = None
    while True:  # in batches by seq: a long range is not read into memory at once
        query = OutboxEvent.filter(occurred_at__gte=since, sent_at__not_isnull=True)
        if after_seq is not None:
            query = query.filter(seq__gt=after_seq)
        rows = await query.order_by("seq").limit(REPLAY_BATCH)
        for row in rows:
            await plan(envelope=Envelope.from_row(row), subscriber_id=subscriber_id)
        if len(rows) < REPLAY_BATCH:
            break
        after_seq = rows[-1].seq
    now = clock.now()
    query = Delivery.filter(created_at__gte=since, channel__in=list(SENT_CHANNELS))
    if subscriber_id is not None:
        query = query.filter(subscriber_id=subscriber_id)
    async with in_transaction():
        count = await query.update(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            enqueued_at=None,
            delivered_at=None,
            last_error=None,
        )
        await AuditEntry.create(
            at=now,
            actor=actor,
            action="delivery.replay",
            entity_type="delivery",
            entity_id="*" if subscriber_id is None else f"subscriber:{subscriber_id}",
            before=None,
            after={"since": since.isoformat(), "subscriber_id": subscriber_id, "count": count},
            correlation_id=correlation.current(),
        )
    return count


async def search(
    *,
    window: Window,
    subscriber_id: int,
    channel: Channel | None = None,
    status: DeliveryStatus | None = None,
) -> Page[Delivery]:
    """A subscriber's deliveries by id, optionally of one channel and status."""
    query = Delivery.filter(subscriber_id=subscriber_id)
    if channel is not None:
        query = query.filter(channel=channel)
    if status is not None:
        query = query.filter(status=status)
    return await paginate(query, window)


async def attempts_of(delivery_ids: list[int]) -> dict[int, list[DeliveryAttempt]]:
    """The attempts of each delivery, oldest first."""
    found: dict[int, list[DeliveryAttempt]] = {i: [] for i in delivery_ids}
    for row in await DeliveryAttempt.filter(delivery_id__in=delivery_ids).order_by("id"):
        found[row.delivery_id].append(row)
    return found


async def counts() -> dict[tuple[Channel, DeliveryStatus], int]:
    """How many deliveries there are of each channel and status (every pair, zeros too)."""
    found = {(c, s): 0 for c in Channel for s in DeliveryStatus}
    rows = (
        await Delivery.annotate(n=Count("id"))
        .group_by("channel", "status")
        .values_list("channel", "status", "n")
    )
    for channel, status, n in rows:
        found[(Channel(channel), DeliveryStatus(status))] = int(n)
    return found


async def find(delivery_id: int) -> Delivery | None:
    return await Delivery.get_or_none(id=delivery_id)
