"""One attempt at a delivery: claim it, perform its channel (a signed webhook, an e-mail), record
the attempt and what follows (delivered; a retry time; failed; the endpoint disabled). Which
deliveries exist is :mod:`core.services.deliveries`' business.

Sending claims the row first (a conditional UPDATE that moves its due time out by a lease), so two
messages for the same delivery never send at once; the attempt and its outcome are written after
the request. A receiver may still see a message twice when a worker dies between its request and
the write (the ``webhook-id`` header stays the same, so it can tell).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from core import clock, correlation, mail
from core.envelope import Envelope
from core.models import (
    Account,
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Subscriber,
)
from core.services import deliveries
from core.settings import Settings, get_settings
from core.webhooks import address, schedule, sender, signing

log = logging.getLogger(__name__)

LEASE_MARGIN_SECONDS = 30.0  # the send actor's time limit is the attempt's + 15 s: inside this
DISABLED_NOTICE = "subscriber.webhook_disabled"
# what sending changes on a delivery (not its envelope: saving that again is wasted work)
_STATE_FIELDS = [
    "status", "attempts", "next_attempt_at", "enqueued_at", "delivered_at", "last_error",
    "updated_at",
]  # fmt: skip


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
    await deliveries.new_delivery(notice, notice.to_dict(), sub.id, Channel.IN_APP, now).save()
