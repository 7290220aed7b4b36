"""Deliveries: which subscribers an event goes to (plan), sending one (webhook, e-mail), the
sweep that heals lost messages, and an admin's redeliver and replay.

Exactly once per (event, subscriber, channel): the Delivery row's unique key. Planning creates
the missing rows only, so a redelivered plan message creates nothing twice. Sending claims the
row first (a conditional UPDATE that moves its due time out by a lease), so two messages for the
same delivery never send at once; the attempt and its outcome are written after the request.
A receiver may still see a message twice when a worker dies between its request and the write
(the ``webhook-id`` header stays the same, so it can tell). An admin's redeliver or replay while
an attempt is in flight is overwritten by that attempt's outcome (redeliver again if needed).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from core import clock, correlation, mail
from core.envelope import Envelope
from core.errors import DomainError, ErrorCode
from core.models import (
    Account,
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
from core.webhooks import address, schedule, sender, signing

log = logging.getLogger(__name__)

SENT_CHANNELS = (Channel.WEBHOOK, Channel.EMAIL)  # in-app deliveries are done when planned
LEASE_MARGIN_SECONDS = 30.0  # the send actor's time limit is the attempt's + 15 s: inside this
REPLAY_BATCH = 500  # outbox rows a replay reads at once
DISABLED_NOTICE = "subscriber.webhook_disabled"
# what sending changes on a delivery (not its envelope: saving that again is wasted work)
_STATE_FIELDS = [
    "status", "attempts", "next_attempt_at", "enqueued_at", "delivered_at", "last_error",
    "updated_at",
]  # fmt: skip


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
        if consumer is not None and not await ProcessedEvent.filter(
            event_id=envelope.event_id, consumer=consumer
        ).exists():
            await ProcessedEvent.create(
                event_id=envelope.event_id, consumer=consumer, processed_at=now
            )
        subscribers = await _candidates(scope, subscriber_id)
        existing = set(
            await Delivery.filter(
                event_id=envelope.event_id, subscriber_id__in=[s.id for s in subscribers]
            ).values_list("subscriber_id", "channel")
        )
        rows = [
            _new_delivery(envelope, body, sub.id, channel, now)
            for sub in subscribers
            for channel in channels_of(sub)
            if (sub.id, channel) not in existing and (sub.id, channel.value) not in existing
        ]
        if rows:  # a concurrent plan (the actor, a replay) may have made some meanwhile
            await Delivery.bulk_create(rows, ignore_conflicts=True)
    return await _pending_of(envelope.event_id, subscriber_id)


def _new_delivery(
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


@dataclass(frozen=True, slots=True)
class Sent:
    """What :func:`send` did: ``retry_in`` seconds when the caller should send it again."""

    status: DeliveryStatus | None  # None: nothing to do (not pending, or not due yet)
    retry_in: float | None = None


@dataclass(frozen=True, slots=True)
class _Tried:
    """What performing a delivery's channel came to (what :func:`_finish` records)."""

    outcome: sender.Outcome | None = None
    refused: str | None = None
    skip: str | None = None
    final: bool = False


def attempt_seconds(settings: Settings) -> float:
    """The overall time limit of one attempt (DNS, connect, TLS, request and answer; or SMTP)."""
    return max(settings.webhook_timeout_seconds, settings.smtp_timeout_seconds)


def lease_seconds(settings: Settings) -> float:
    """How long a claim keeps other senders off a delivery: longer than an attempt and than the
    send actor's time limit, so an attempt still running is never sent a second time."""
    return attempt_seconds(settings) + LEASE_MARGIN_SECONDS


async def send(*, delivery_id: int, settings: Settings | None = None) -> Sent:
    """Try a delivery once, if it is pending and due: claim it, perform its channel, record the
    attempt and what follows (delivered; a retry time; failed; the endpoint disabled)."""
    settings = settings or get_settings()
    now = clock.now()
    claimed = await Delivery.filter(
        id=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + timedelta(seconds=lease_seconds(settings)))
    if not claimed:
        return Sent(None)
    delivery = await Delivery.get(id=delivery_id).select_related("subscriber")
    token = correlation.bind(delivery.correlation_id)
    try:
        started = clock.now()
        try:
            tried = await _perform(delivery, settings, now)
        except Exception as exc:  # a bug or an input nobody foresaw: a failed attempt, not a lost
            # one (the lease would expire and the sweep send it again, forever)
            log.exception("delivery %s: unexpected error in its attempt", delivery.id)
            error = f"unexpected {type(exc).__name__}: {exc}"[: sender.MAX_ERROR]
            tried = _Tried(outcome=sender.Outcome(None, _ms_since(started), error))
        sent = await _finish(
            delivery, settings, now,
            outcome=tried.outcome, refused=tried.refused, skip=tried.skip, final=tried.final,
        )  # fmt: skip
        _log_attempt(delivery, tried, sent)
        return sent
    finally:
        correlation.reset(token)


def _log_attempt(delivery: Delivery, tried: _Tried, sent: Sent) -> None:
    """One line per attempt, under the event's correlation id, so the id of the request that
    caused an event also finds every delivery attempt it led to (issue 6)."""
    outcome = tried.outcome
    detail = (
        tried.refused
        or tried.skip
        or (outcome and (outcome.error or _answer(outcome)))
        or ""
    )
    status = sent.status.value if sent.status is not None else "not due"
    retry = f", again in {sent.retry_in:.0f} s" if sent.retry_in is not None else ""
    log.info(
        "delivery %s: %s %s %s to subscriber %s: %s (%s%s)",
        delivery.id, delivery.channel.value, delivery.envelope.get("type"), delivery.event_id,
        delivery.subscriber_id, status, detail, retry,
        extra={
            "correlation_id": delivery.correlation_id,
            "event_id": str(delivery.event_id),
            "delivery_id": delivery.id,
        },
    )  # fmt: skip


def _answer(outcome: sender.Outcome) -> str:
    code = "" if outcome.status_code is None else f"HTTP {outcome.status_code}, "
    return f"{code}{outcome.duration_ms} ms"


async def _perform(delivery: Delivery, settings: Settings, now: datetime) -> _Tried:
    owner_id = delivery.subscriber.owner_id
    if owner_id is not None and not await Account.filter(id=owner_id, active=True).exists():
        return _Tried(skip="the subscriber's owner account is inactive")
    if delivery.channel is Channel.WEBHOOK:
        return await _send_webhook(delivery, settings, now)
    if delivery.channel is Channel.EMAIL:
        return await _send_email(delivery, settings)
    return _Tried(skip="in-app deliveries are not sent")


async def _send_webhook(delivery: Delivery, settings: Settings, now: datetime) -> _Tried:
    sub = delivery.subscriber
    if not (sub.webhook_enabled and sub.webhook_url and sub.webhook_secret):
        reason = sub.webhook_disabled_reason or "the subscriber's webhook is off"
        return _Tried(skip=f"webhook disabled: {reason}")
    body = json.dumps(delivery.envelope, separators=(",", ":"), sort_keys=True).encode()
    headers = signing.headers(
        secret=signing.decode(sub.webhook_secret),
        message_id=str(delivery.event_id),
        timestamp=int(now.timestamp()),
        body=body,
    )
    limit = settings.webhook_timeout_seconds
    started = clock.now()
    try:
        async with asyncio.timeout(limit):  # httpx's timeouts are per phase: one for them all
            target = await address.resolve(sub.webhook_url, settings.webhook_allowed_networks)
            outcome = await sender.post(
                target=target,
                body=body,
                headers=headers,
                timeout_seconds=limit,
                ca_file=settings.webhook_ca_file,
            )
    except address.AddressRefused as exc:
        return _Tried(refused=str(exc))
    except address.Unresolvable as exc:
        error = str(exc)[: sender.MAX_ERROR]
        return _Tried(outcome=sender.Outcome(None, _ms_since(started), error))
    except TimeoutError:
        error = f"no complete answer within {limit:g} s (the attempt's time limit)"
        return _Tried(outcome=sender.Outcome(None, _ms_since(started), error))
    return _Tried(outcome=outcome)


async def _send_email(delivery: Delivery, settings: Settings) -> _Tried:
    sub = delivery.subscriber
    if not (sub.email_enabled and sub.email):
        return _Tried(skip="the subscriber's e-mail is off")
    if not settings.smtp_host:
        return _Tried(skip="e-mail is off (no SMTP host)")
    limit = settings.smtp_timeout_seconds
    started = clock.now()
    try:
        async with asyncio.timeout(limit):  # aiosmtplib's timeout is per command: one for all
            await mail.send_notification(
                to=sub.email,
                locale=sub.locale.value,
                envelope=Envelope.from_dict(delivery.envelope),
            )
    except mail.MailError as exc:
        outcome = sender.Outcome(None, _ms_since(started), str(exc)[: sender.MAX_ERROR])
        return _Tried(outcome=outcome, final=not exc.temporary)
    except TimeoutError:
        error = f"the e-mail was not sent within {limit:g} s (the attempt's time limit)"
        return _Tried(outcome=sender.Outcome(None, _ms_since(started), error))
    return _Tried(outcome=sender.Outcome(250, _ms_since(started)))


def _ms_since(started: datetime) -> int:
    return int((clock.now() - started).total_seconds() * 1000)


async def _finish(
    delivery: Delivery,
    settings: Settings,
    now: datetime,
    *,
    outcome: sender.Outcome | None = None,
    refused: str | None = None,
    skip: str | None = None,
    final: bool = False,
) -> Sent:
    """Record the attempt (none for a skip) and the delivery's new state, in one transaction."""
    sub = delivery.subscriber
    retry_in: float | None = None
    async with in_transaction():
        if skip is not None:
            delivery.status = DeliveryStatus.SKIPPED
            delivery.last_error = skip
            delivery.next_attempt_at = None
        else:
            await DeliveryAttempt.create(
                delivery_id=delivery.id,
                attempted_at=now,
                status_code=outcome.status_code if outcome else None,
                duration_ms=outcome.duration_ms if outcome else 0,
                error=refused if refused is not None else (outcome.error if outcome else None),
                correlation_id=delivery.correlation_id,
            )
            delivery.attempts += 1
        if refused is not None:
            delivery.status = DeliveryStatus.REFUSED
            delivery.last_error = refused
            delivery.next_attempt_at = None
        elif outcome is not None and outcome.delivered:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = clock.now()
            delivery.last_error = None
            delivery.next_attempt_at = None
            if delivery.channel is Channel.WEBHOOK:  # (the row read before the request may be old)
                await Subscriber.filter(id=sub.id, failing_since__not_isnull=True).update(
                    failing_since=None
                )
        elif outcome is not None:
            delivery.last_error = outcome.error
            retry_in = await _after_failure(delivery, sub, settings, now, outcome, final)
        if retry_in is not None:
            delivery.next_attempt_at = now + timedelta(seconds=retry_in)
            # short waits get a delayed message; longer ones are left to the sweep
            short = retry_in <= settings.delivery_sweep_grace_seconds
            delivery.enqueued_at = clock.now() if short else None
            if not short:
                retry_in = None
        await delivery.save(update_fields=_STATE_FIELDS)
    return Sent(delivery.status, retry_in)


async def _after_failure(
    delivery: Delivery,
    sub: Subscriber,
    settings: Settings,
    now: datetime,
    outcome: sender.Outcome,
    final: bool,
) -> float | None:
    """A failed attempt: the endpoint may be gone (410) or failing for too long (disabled), the
    schedule may be used up (failed); otherwise the wait before the next try."""
    if delivery.channel is Channel.WEBHOOK:
        if outcome.gone:
            delivery.status = DeliveryStatus.FAILED
            await _disable_webhook(sub, "the endpoint answered HTTP 410 Gone", now)
            return None
        await Subscriber.filter(id=sub.id, failing_since__isnull=True).update(failing_since=now)
        since = await Subscriber.filter(id=sub.id).values_list("failing_since", flat=True)
        if since and since[0] is not None and since[0] < now:
            if not await _failed_lately(sub.id, settings, now):
                # the last streak ended without a success (its deliveries gave up): a new one
                await Subscriber.filter(id=sub.id).update(failing_since=now)
                since = [now]
        if since and since[0] is not None:
            failing_for = (now - since[0]).total_seconds()
            if failing_for >= settings.webhook_disable_after_seconds:
                delivery.status = DeliveryStatus.FAILED
                await _disable_webhook(
                    sub, f"failing continuously since {since[0].isoformat()}", now
                )
                return None
    if final:
        delivery.status = DeliveryStatus.FAILED
        return None
    wait = schedule.delay_after(
        delivery.attempts,
        settings.webhook_retry_schedule_seconds,
        jitter=settings.webhook_retry_jitter,
        retry_after=schedule.parse_retry_after(outcome.retry_after, now=now),
    )
    if wait is None:
        delivery.status = DeliveryStatus.FAILED
    return wait


def streak_gap_seconds(settings: Settings) -> float:
    """The longest quiet time inside one failing streak: the longest retry wait (with jitter),
    plus the lease and the sweep's grace and period. A longer gap ends the streak."""
    longest = max(settings.webhook_retry_schedule_seconds, default=0.0)
    return (
        longest * (1 + settings.webhook_retry_jitter)
        + lease_seconds(settings)
        + settings.delivery_sweep_grace_seconds
        + settings.delivery_sweep_seconds
    )


async def _failed_lately(subscriber_id: int, settings: Settings, now: datetime) -> bool:
    """Whether a webhook attempt of the subscriber failed within the streak gap before ``now``."""
    after = now - timedelta(seconds=streak_gap_seconds(settings))
    return await DeliveryAttempt.filter(
        delivery__subscriber_id=subscriber_id,
        delivery__channel=Channel.WEBHOOK,
        attempted_at__gte=after,
        attempted_at__lt=now,
        error__not_isnull=True,
    ).exists()


async def _disable_webhook(sub: Subscriber, reason: str, now: datetime) -> None:
    """Switch the endpoint off (once), skip its other pending webhook deliveries, and tell the
    owner: an in-app delivery ``subscriber.webhook_disabled`` in the subscriber's inbox."""
    changed = await Subscriber.filter(id=sub.id, webhook_enabled=True).update(
        webhook_enabled=False,
        webhook_disabled_at=now,
        webhook_disabled_reason=reason[:500],
        updated_at=now,
    )
    if not changed:
        return
    log.warning("webhook of subscriber %s disabled: %s", sub.id, reason)
    await Delivery.filter(
        subscriber_id=sub.id, channel=Channel.WEBHOOK, status=DeliveryStatus.PENDING
    ).update(status=DeliveryStatus.SKIPPED, last_error=f"webhook disabled: {reason}"[:2000])
    notice = Envelope(
        event_id=uuid.uuid4(),
        type=DISABLED_NOTICE,
        version=1,
        occurred_at=now,
        aggregate_type="subscriber",
        aggregate_id=str(sub.id),
        actor="kembar",
        correlation_id=correlation.current(),
        payload={"subscriber_id": sub.id, "webhook_url": sub.webhook_url, "reason": reason},
    )
    await _new_delivery(notice, notice.to_dict(), sub.id, Channel.IN_APP, now).save()


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


async def subscriber_of(delivery_id: int) -> int | None:
    rows = await Delivery.filter(id=delivery_id).values_list("subscriber_id", flat=True)
    return rows[0] if rows else None
