"""Deliveries against the real database and a real HTTP receiver on 127.0.0.1: planning exactly
once, retries on a compressed schedule, 410, the address guard, the sweep, redeliver, replay."""

from __future__ import annotations

import asyncio
import json
import ssl
import uuid
from datetime import timedelta
from typing import Any

import pytest
from standardwebhooks import Webhook

from core import clock
from core.envelope import Envelope
from core.errors import DomainError, ErrorCode
from core.models import (
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    OutboxEvent,
    Partnership,
    Subscriber,
)
from core.models.subscriber import TopicKind
from core.services import deliveries, delivery_attempts, subscribers
from core.services.subscribers import TopicInput
from core.settings import get_settings
from tests import factories
from tests.webhook_receiver import WebhookReceiver, webhook_env  # noqa: F401

pytestmark = pytest.mark.usefixtures("webhook_env")


async def _latest_envelope() -> Envelope:
    row = await OutboxEvent.all().order_by("-seq").first()
    assert row is not None
    return Envelope.from_row(row)


async def _subscriber(url: str | None, p: Partnership | None = None, **extra: object) -> tuple:
    topic = (
        TopicInput(kind=TopicKind.PARTNERSHIP, partnership_id=p.id)
        if p is not None
        else TopicInput(kind=TopicKind.ALL)
    )
    issued = await subscribers.create(
        owner_id=None,
        name="Dinas Kominfo",
        webhook_url=url,
        webhook_enabled=url is not None,
        topic=topic,
        actor="test-admin",
        **extra,  # type: ignore[arg-type]
    )
    return issued.subscriber, issued.secret


async def _settle(delivery_id: int, rounds: int = 10) -> Delivery:
    """Send until the delivery is no longer pending, waiting for each retry time."""
    for _ in range(rounds):
        delivery = await Delivery.get(id=delivery_id)
        if delivery.status is not DeliveryStatus.PENDING:
            return delivery
        assert delivery.next_attempt_at is not None
        wait = (delivery.next_attempt_at - clock.now()).total_seconds()
        if wait > 0:
            await asyncio.sleep(wait + 0.01)
        await delivery_attempts.send(delivery_id=delivery_id)
    return await Delivery.get(id=delivery_id)


async def test_planning_twice_makes_one_delivery_per_channel(db: str) -> None:
    p = await factories.pair()
    sub, _ = await _subscriber(
        "http://127.0.0.1:9/hook", p, email="kominfo@bandung.go.id", email_enabled=True,
        in_app_enabled=True,
    )  # fmt: skip
    envelope = await _latest_envelope()
    first = await deliveries.plan(envelope=envelope)
    second = await deliveries.plan(envelope=envelope)
    rows = await Delivery.filter(subscriber_id=sub.id).order_by("channel")
    assert sorted(r.channel.value for r in rows) == ["email", "in_app", "webhook"]
    assert first == second and len(first) == 2  # e-mail and webhook to send; in-app is done
    in_app = next(r for r in rows if r.channel is Channel.IN_APP)
    assert in_app.status is DeliveryStatus.DELIVERED and in_app.delivered_at is not None
    assert all(r.envelope["event_id"] == str(envelope.event_id) for r in rows)
    assert all(r.correlation_id == envelope.correlation_id for r in rows)


async def test_topics_select_subscribers(db: str) -> None:
    province = await factories.region("Jawa Barat")
    bandung = await factories.region("Kota Bandung", parent_id=province.id)
    away = await factories.region("Braunschweig", "DE")
    p = await factories.propose(bandung, away)
    other = await factories.pair("Surabaya", "Kitakyushu", "JP")
    wanted = [
        TopicInput(kind=TopicKind.REGION, region_id=province.id),
        TopicInput(kind=TopicKind.COUNTRY, country_code="DE"),
        TopicInput(kind=TopicKind.PARTNERSHIP, partnership_id=p.id),
        TopicInput(kind=TopicKind.ALL),
    ]
    unwanted = [
        TopicInput(kind=TopicKind.PARTNERSHIP, partnership_id=other.id),
        TopicInput(kind=TopicKind.COUNTRY, country_code="JP"),
    ]
    ids = {}
    for i, topic in enumerate(wanted + unwanted):
        issued = await subscribers.create(
            owner_id=None, name=f"s{i}", in_app_enabled=True, topic=topic, actor="a"
        )
        ids[i] = issued.subscriber.id
    narrow = await subscribers.create(
        owner_id=None, name="only programs", in_app_enabled=True,
        topic=TopicInput(kind=TopicKind.ALL), event_types=["program.created"], actor="a",
    )  # fmt: skip
    envelope = Envelope.from_row(
        await OutboxEvent.get(type="partnership.proposed", aggregate_id=str(p.id))
    )
    await deliveries.plan(envelope=envelope)
    got = set(
        await Delivery.filter(event_id=envelope.event_id).values_list("subscriber_id", flat=True)
    )
    assert got == {ids[i] for i in range(len(wanted))}
    assert narrow.subscriber.id not in got


async def test_fails_twice_then_succeeds_three_attempts_one_delivered(db: str) -> None:
    p = await factories.pair()
    with WebhookReceiver(statuses=[500, 503, 204]) as receiver:
        sub, secret = await _subscriber(receiver.url, p)
        envelope = await _latest_envelope()
        [delivery_id] = await deliveries.plan(envelope=envelope)
        delivery = await _settle(delivery_id)
        requests = receiver.received
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts == 3
    attempts = await DeliveryAttempt.filter(delivery_id=delivery_id).order_by("id")
    assert [a.status_code for a in attempts] == [500, 503, 204]
    assert attempts[0].error and attempts[2].error is None
    assert all(a.duration_ms >= 0 for a in attempts)
    assert len(requests) == 3
    assert {r.headers["webhook-id"] for r in requests} == {str(envelope.event_id)}
    for request in requests:
        body = Webhook(secret).verify(request.body, request.headers)
        assert body["event_id"] == str(envelope.event_id) and body["type"] == envelope.type
    assert (await Subscriber.get(id=sub.id)).failing_since is None  # cleared by the success


async def test_each_attempt_is_logged_under_the_events_correlation_id(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    p = await factories.pair()
    with WebhookReceiver(statuses=[503, 204]) as receiver:
        await _subscriber(receiver.url, p)
        envelope = await _latest_envelope()
        [delivery_id] = await deliveries.plan(envelope=envelope)
        with caplog.at_level("INFO", logger="core.services.delivery_attempts"):
            await _settle(delivery_id)
    lines = [r for r in caplog.records if r.getMessage().startswith(f"delivery {delivery_id}:")]
    assert len(lines) == 2
    assert {r.correlation_id for r in lines} == {envelope.correlation_id}  # type: ignore[attr-defined]
    assert "pending (HTTP 503" in lines[0].getMessage()
    assert "delivered (HTTP 204" in lines[1].getMessage()
    assert str(envelope.event_id) in lines[1].getMessage()


async def test_schedule_used_up_fails_the_delivery(db: str) -> None:
    p = await factories.pair()
    with WebhookReceiver(default=500) as receiver:
        await _subscriber(receiver.url, p)
        [delivery_id] = await deliveries.plan(envelope=await _latest_envelope())
        delivery = await _settle(delivery_id)
        assert len(receiver.received) == 4  # the first try and the three retries
    assert delivery.status is DeliveryStatus.FAILED and delivery.attempts == 4
    assert "HTTP 500" in (delivery.last_error or "")


async def test_gone_disables_the_webhook_and_skips_the_rest(db: str) -> None:
    p = await factories.pair()
    with WebhookReceiver(statuses=[410]) as receiver:
        sub, _ = await _subscriber(receiver.url, p, in_app_enabled=False)
        first_event = await _latest_envelope()
        await factories.document(p, factories.DocumentType.FEASIBILITY_STUDY)
        second_event = await _latest_envelope()
        [first] = await deliveries.plan(envelope=first_event)
        [second] = await deliveries.plan(envelope=second_event)
        result = await delivery_attempts.send(delivery_id=first)
        assert result.status is DeliveryStatus.FAILED and result.retry_in is None
        assert (await delivery_attempts.send(delivery_id=second)).status is None  # skipped already
        assert len(receiver.received) == 1
    sub = await Subscriber.get(id=sub.id)
    assert not sub.webhook_enabled and sub.webhook_disabled_at is not None
    assert "410" in (sub.webhook_disabled_reason or "")
    assert (await Delivery.get(id=second)).status is DeliveryStatus.SKIPPED
    notice = await Delivery.get(subscriber_id=sub.id, event_type="subscriber.webhook_disabled")
    assert notice.channel is Channel.IN_APP and notice.status is DeliveryStatus.DELIVERED
    assert notice.envelope["payload"]["reason"] == sub.webhook_disabled_reason
    await factories.document(p, factories.DocumentType.OFFER_LETTER)
    assert await deliveries.plan(envelope=await _latest_envelope()) == []  # channel off
    await subscribers.enable_webhook(subscriber_id=sub.id, actor="test-admin")
    sub = await Subscriber.get(id=sub.id)
    assert sub.webhook_enabled and sub.webhook_disabled_reason is None


async def test_failing_longer_than_the_limit_disables(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEMBAR_WEBHOOK_DISABLE_AFTER_SECONDS", "3600")
    get_settings.cache_clear()
    p = await factories.pair()
    sub, _ = await _subscriber("http://127.0.0.1:9/closed", p)  # nothing listens: refused
    [delivery_id] = await deliveries.plan(envelope=await _latest_envelope())
    first = await delivery_attempts.send(delivery_id=delivery_id)
    assert first.status is DeliveryStatus.PENDING and first.retry_in is not None
    since = (await Subscriber.get(id=sub.id)).failing_since
    assert since is not None
    await Subscriber.filter(id=sub.id).update(failing_since=since - timedelta(hours=2))
    await asyncio.sleep(0.06)
    second = await delivery_attempts.send(delivery_id=delivery_id)
    assert second.status is DeliveryStatus.FAILED
    sub = await Subscriber.get(id=sub.id)
    assert not sub.webhook_enabled and "failing continuously" in (sub.webhook_disabled_reason or "")
    attempt = await DeliveryAttempt.filter(delivery_id=delivery_id).first()
    assert (
        attempt is not None and attempt.status_code is None and "Connect" in (attempt.error or "")
    )


async def test_private_address_is_refused_and_recorded(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = await factories.pair()
    with WebhookReceiver() as receiver:
        await _subscriber(receiver.url.replace("127.0.0.1", "localhost"), p)
        monkeypatch.setenv("KEMBAR_WEBHOOK_ALLOWED_NETWORKS", "[]")
        get_settings.cache_clear()
        [delivery_id] = await deliveries.plan(envelope=await _latest_envelope())
        result = await delivery_attempts.send(delivery_id=delivery_id)
        assert receiver.received == []
    assert result.status is DeliveryStatus.REFUSED
    delivery = await Delivery.get(id=delivery_id)
    assert "non-public" in (delivery.last_error or "")
    [attempt] = await DeliveryAttempt.filter(delivery_id=delivery_id)
    assert attempt.status_code is None and "non-public" in (attempt.error or "")
    with pytest.raises(DomainError) as refused:
        await _subscriber("http://169.254.169.254/latest", p)
    assert refused.value.problems[0].field == "webhookUrl"
    assert refused.value.problems[0].code is ErrorCode.INVALID


async def test_retry_after_is_honoured_when_longer(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEMBAR_WEBHOOK_RETRY_SCHEDULE_SECONDS", "[0.05, 3600]")
    get_settings.cache_clear()
    p = await factories.pair()
    with WebhookReceiver(statuses=[503], headers={0: {"Retry-After": "30"}}) as receiver:
        await _subscriber(receiver.url, p)
        [delivery_id] = await deliveries.plan(envelope=await _latest_envelope())
        before = clock.now()
        result = await delivery_attempts.send(delivery_id=delivery_id)
    assert result.status is DeliveryStatus.PENDING and result.retry_in == pytest.approx(30)
    delivery = await Delivery.get(id=delivery_id)
    assert delivery.next_attempt_at is not None
    assert 29 <= (delivery.next_attempt_at - before).total_seconds() <= 31


async def test_a_delivery_is_sent_by_one_sender_at_a_time(db: str) -> None:
    p = await factories.pair()
    with WebhookReceiver() as receiver:
        await _subscriber(receiver.url, p)
        [delivery_id] = await deliveries.plan(envelope=await _latest_envelope())
        results = await asyncio.gather(
            *(delivery_attempts.send(delivery_id=delivery_id) for _ in range(4))
        )
        assert len(receiver.received) == 1
    assert sorted(str(r.status) for r in results).count(str(DeliveryStatus.DELIVERED)) == 1
    assert await DeliveryAttempt.filter(delivery_id=delivery_id).count() == 1
    assert (await delivery_attempts.send(delivery_id=delivery_id)).status is None
    assert (await delivery_attempts.send(delivery_id=10**9)).status is None


async def test_sweep_finds_unsent_and_lost_deliveries_only(db: str) -> None:
    p = await factories.pair()
    await _subscriber("http://127.0.0.1:9/hook", p)
    [delivery_id] = await deliveries.plan(envelope=await _latest_envelope())
    assert await deliveries.sweep() == [delivery_id]  # no message yet
    assert await deliveries.sweep() == []  # now it has one
    grace = get_settings().delivery_sweep_grace_seconds
    long_ago = clock.now() - timedelta(seconds=grace + 5)
    await Delivery.filter(id=delivery_id).update(next_attempt_at=long_ago, enqueued_at=long_ago)
    assert await deliveries.sweep() == [delivery_id]  # overdue: its message was lost
    await Delivery.filter(id=delivery_id).update(
        enqueued_at=None, next_attempt_at=clock.now() + timedelta(hours=1)
    )
    assert await deliveries.sweep() == []  # not due yet


async def test_e_mail_is_skipped_while_no_smtp_host_is_set(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KEMBAR_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    p = await factories.pair()
    issued = await subscribers.create(
        owner_id=None, name="mail", email="a@b.go.id", email_enabled=True,
        topic=TopicInput(kind=TopicKind.PARTNERSHIP, partnership_id=p.id), actor="a",
    )  # fmt: skip
    [delivery_id] = await deliveries.plan(envelope=await _latest_envelope())
    assert (await delivery_attempts.send(delivery_id=delivery_id)).status is DeliveryStatus.SKIPPED
    assert await DeliveryAttempt.filter(delivery_id=delivery_id).count() == 0
    assert issued.secret is None  # no webhook, no secret


async def test_redeliver_sends_again_and_keeps_the_history(db: str) -> None:
    p = await factories.pair()
    with WebhookReceiver() as receiver:
        await _subscriber(receiver.url, p)
        [delivery_id] = await deliveries.plan(envelope=await _latest_envelope())
        await _settle(delivery_id)
        again = await deliveries.redeliver(delivery_id=delivery_id, actor="test-admin")
        assert again.status is DeliveryStatus.PENDING and again.attempts == 0
        assert await deliveries.sweep() == [delivery_id]
        delivery = await _settle(delivery_id)
        assert len(receiver.received) == 2
        assert (
            receiver.received[0].headers["webhook-id"] == receiver.received[1].headers["webhook-id"]
        )
    assert delivery.status is DeliveryStatus.DELIVERED
    assert await DeliveryAttempt.filter(delivery_id=delivery_id).count() == 2
    with pytest.raises(DomainError):
        await deliveries.redeliver(delivery_id=10**9, actor="test-admin")


async def test_replay_plans_missing_and_resends_sent(db: str) -> None:
    start = clock.now() - timedelta(seconds=1)
    p = await factories.pair()
    from core import relay

    async def nowhere(envelope: Envelope) -> None:
        return None

    await relay.relay_batch(nowhere)  # the proposal is sent: replay reads sent outbox rows
    with WebhookReceiver() as receiver:
        sub, _ = await _subscriber(receiver.url, p)  # subscribed after the event
        assert await Delivery.filter(subscriber_id=sub.id).count() == 0
        count = await deliveries.replay(since=start, subscriber_id=sub.id, actor="test-admin")
        assert count == 1
        [delivery_id] = await deliveries.sweep()
        await _settle(delivery_id)
        assert len(receiver.received) == 1
        assert await deliveries.replay(since=start, actor="test-admin") == 1  # resent
        assert await deliveries.sweep() == [delivery_id]
    with pytest.raises(DomainError):
        await deliveries.replay(since=clock.now() + timedelta(days=1), actor="test-admin")
    with pytest.raises(DomainError):
        await deliveries.replay(since=start, subscriber_id=10**9, actor="test-admin")
    body = json.loads(receiver.received[0].body)
    assert body["type"] == "partnership.proposed"


async def test_plan_actor_twice_creates_once_and_sends_each_pending_delivery(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.models import ProcessedEvent
    from workers.actors import ACTORS
    from workers.broker import broker

    monkeypatch.setenv("KEMBAR_WEBHOOK_RETRY_SCHEDULE_SECONDS", "[30]")
    get_settings.cache_clear()
    broker.flush_all()
    p = await factories.pair()
    with WebhookReceiver(statuses=[500]) as receiver:
        await _subscriber(receiver.url, p, in_app_enabled=True)
        envelope = await _latest_envelope()
        plan = ACTORS["deliveries.plan"].fn.__wrapped__  # type: ignore[attr-defined]
        await plan(envelope.to_dict())
        await plan(envelope.to_dict())  # redelivered: nothing new, the send message again
        rows = await Delivery.filter(event_id=envelope.event_id)
        assert sorted(r.channel.value for r in rows) == ["in_app", "webhook"]
        webhook = next(r for r in rows if r.channel is Channel.WEBHOOK)
        assert webhook.enqueued_at is not None
        keys = await ProcessedEvent.filter(event_id=envelope.event_id, consumer="deliveries.plan")
        assert len(keys) == 1
        queued = broker.queues["notifications"].qsize()
        assert queued == 2  # one send message per plan run; the claim makes the second idle
        send = ACTORS["deliveries.send"].fn.__wrapped__  # type: ignore[attr-defined]
        await send(webhook.id)  # fails (500): a delayed retry message is enqueued
        assert broker.queues["notifications.DQ"].qsize() == 1
        await send(webhook.id)  # the duplicate: not due yet, does nothing
        assert len(receiver.received) == 1
    broker.flush_all()


async def test_a_name_that_does_not_resolve_is_retried_not_refused(db: str) -> None:
    p = await factories.pair()
    await _subscriber("http://no-such-host.invalid/hook", p)
    [delivery_id] = await deliveries.plan(envelope=await _latest_envelope())
    result = await delivery_attempts.send(delivery_id=delivery_id)
    assert result.status is DeliveryStatus.PENDING and result.retry_in is not None
    [attempt] = await DeliveryAttempt.filter(delivery_id=delivery_id)
    assert attempt.status_code is None and "cannot resolve" in (attempt.error or "")


async def test_redirects_are_not_followed(db: str) -> None:
    p = await factories.pair()
    with WebhookReceiver() as target, WebhookReceiver(
        statuses=[302], headers={0: {"Location": target.url}}
    ) as receiver:
        await _subscriber(receiver.url, p)
        [delivery_id] = await deliveries.plan(envelope=await _latest_envelope())
        result = await delivery_attempts.send(delivery_id=delivery_id)
        assert len(receiver.received) == 1 and target.received == []
    assert result.status is DeliveryStatus.PENDING  # a failure, retried on the schedule
    [attempt] = await DeliveryAttempt.filter(delivery_id=delivery_id)
    assert attempt.status_code == 302 and "redirects are not followed" in (attempt.error or "")


async def test_the_active_relay_sweeps_deliveries_without_a_message(db: str) -> None:
    from core.settings import Settings
    from workers.broker import broker
    from workers.relay import run_relay

    broker.flush_all()
    p = await factories.pair()
    await _subscriber("http://127.0.0.1:9/hook", p)
    [delivery_id] = await deliveries.plan(envelope=await _latest_envelope())  # no message sent

    async def publish(envelope: Envelope) -> None:
        return None

    settings = Settings(database_url=db, relay_poll_seconds=0.05, relay_idle_poll_seconds=0.1,
                        delivery_sweep_seconds=0.1)  # fmt: skip
    stop = asyncio.Event()
    task = asyncio.create_task(run_relay(publish, settings=settings, stop=stop))
    try:
        for _ in range(100):
            if (await Delivery.get(id=delivery_id)).enqueued_at is not None:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task
    assert (await Delivery.get(id=delivery_id)).enqueued_at is not None
    message = broker.queues["notifications"].get_nowait()
    assert b'"deliveries.send"' in message and str(delivery_id).encode() in message
    broker.flush_all()


def _tls_server(ca: Any, name: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    return context


async def test_https_keeps_the_name_for_sni_and_the_certificate_check(
    db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import trustme

    ca = trustme.CA()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("KEMBAR_WEBHOOK_CA_FILE", str(bundle))
    get_settings.cache_clear()
    p = await factories.pair()
    with WebhookReceiver(tls=_tls_server(ca, "localhost")) as receiver:
        await _subscriber(receiver.url, p)
        [delivery_id] = await deliveries.plan(envelope=await _latest_envelope())
        result = await delivery_attempts.send(delivery_id=delivery_id)
        [request] = receiver.received
    assert result.status is DeliveryStatus.DELIVERED  # connected to 127.0.0.1, verified localhost
    assert request.headers["host"] == f"localhost:{receiver.port}"
    await factories.document(p, factories.DocumentType.OFFER_LETTER)
    with WebhookReceiver(tls=_tls_server(ca, "elsewhere.example")) as impostor:
        await Subscriber.all().update(webhook_url=impostor.url)
        [delivery_id] = await deliveries.plan(envelope=await _latest_envelope())
        result = await delivery_attempts.send(delivery_id=delivery_id)
        assert impostor.received == []
    assert result.status is DeliveryStatus.PENDING  # a certificate for another name: refused
    [attempt] = await DeliveryAttempt.filter(delivery_id=delivery_id)
    assert attempt.status_code is None and "certificate" in (attempt.error or "").lower()


async def test_embedded_mode_delivers_with_a_delayed_retry_through_a_real_worker(db: str) -> None:
    from core.settings import Settings
    from workers import embedded

    p = await factories.pair()
    await factories.document(p, factories.DocumentType.FEASIBILITY_STUDY)
    settings = Settings(database_url=db, redis_url=None, relay_poll_seconds=0.05)
    with WebhookReceiver(statuses=[503]) as receiver:
        sub, secret = await _subscriber(receiver.url, p, event_types=["partnership.stage_advanced"])
        async with embedded.running(settings, worker_threads=2):
            await factories.advance(p, factories.Stage.EXPLORATION)
            requests = await asyncio.to_thread(receiver.wait_for, 2, 20.0)
            deadline = asyncio.get_running_loop().time() + 10
            while (await Delivery.get(subscriber_id=sub.id)).status is DeliveryStatus.PENDING:
                assert asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.05)
    delivery = await Delivery.get(subscriber_id=sub.id)
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts == 2
    assert [Webhook(secret).verify(r.body, r.headers)["type"] for r in requests] == [
        "partnership.stage_advanced"
    ] * 2
    assert len(receiver.received) == 2


async def test_prune_deletes_old_finished_deliveries_with_their_attempts_only(db: str) -> None:
    p = await factories.pair()
    with WebhookReceiver(statuses=[500]) as receiver:
        await _subscriber(receiver.url, p, in_app_enabled=True)
        [webhook_id] = await deliveries.plan(envelope=await _latest_envelope())
        await delivery_attempts.send(delivery_id=webhook_id)  # failed once: still pending
    in_app = await Delivery.get(channel=Channel.IN_APP)
    assert in_app.status is DeliveryStatus.DELIVERED
    await Delivery.all().update(created_at=clock.now() - timedelta(days=91))

    assert await deliveries.prune(before_days=90) == 1  # the in-app one; pending ones stay
    assert not await Delivery.exists(id=in_app.id)
    assert await DeliveryAttempt.filter(delivery_id=webhook_id).count() == 1

    await Delivery.filter(id=webhook_id).update(status=DeliveryStatus.FAILED)
    for _ in range(2):  # two more old finished ones: three in all, pruned one batch at a time
        await Delivery.create(
            event_id=uuid.uuid4(), event_type="x", subscriber_id=in_app.subscriber_id,
            channel=Channel.IN_APP,
            status=DeliveryStatus.DELIVERED, envelope={}, correlation_id="x",
        )  # fmt: skip
    await Delivery.filter(status=DeliveryStatus.DELIVERED).update(
        created_at=clock.now() - timedelta(days=91)
    )
    assert await deliveries.prune(before_days=100) == 0  # not old enough for this retention
    assert await deliveries.prune(before_days=90, batch=1) == 3
    assert not await Delivery.exists() and not await DeliveryAttempt.exists()

