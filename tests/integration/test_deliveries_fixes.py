"""Review findings of the delivery code (issue 4), each against the real database and a real
receiver on 127.0.0.1: every attempt is recorded, whatever goes wrong; one overall time limit per
attempt; the sweep re-queues a delivery once per grace; a failing streak restarts after a quiet
gap; inactive owners get nothing; planning and replay tolerate rows created meanwhile."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from core import clock
from core.envelope import Envelope
from core.models import Account, Delivery, DeliveryAttempt, DeliveryStatus, OutboxEvent, Subscriber
from core.models.subscriber import TopicKind
from core.policy import Role
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


async def _webhook_delivery(url: str, owner_id: int | None = None) -> tuple[Subscriber, int]:
    p = await factories.pair()
    issued = await subscribers.create(
        owner_id=owner_id, name="Dinas Kominfo", webhook_url=url, webhook_enabled=True,
        topic=TopicInput(kind=TopicKind.PARTNERSHIP, partnership_id=p.id), actor="test-admin",
    )  # fmt: skip
    [delivery_id] = await deliveries.plan(envelope=await _latest_envelope())
    return issued.subscriber, delivery_id


def _fake_dns(monkeypatch: pytest.MonkeyPatch, names: set[str]) -> None:
    """``names`` resolve to 127.0.0.1 (the receiver); every other name as usual."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host in names else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


# 1. every attempt is recorded ----------------------------------------------------------------


async def test_an_international_host_name_is_sent_as_punycode_once(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_dns(monkeypatch, {"bücher.de", "xn--bcher-kva.de"})
    with WebhookReceiver() as receiver:
        sub, delivery_id = await _webhook_delivery(f"http://bücher.de:{receiver.port}/hook")
        assert sub.webhook_url == f"http://xn--bcher-kva.de:{receiver.port}/hook"
        # a row written before the URL was normalised is sent the same way
        await Subscriber.filter(id=sub.id).update(
            webhook_url=f"http://bücher.de:{receiver.port}/hook"
        )
        result = await delivery_attempts.send(delivery_id=delivery_id)
        [request] = receiver.received
    assert result.status is DeliveryStatus.DELIVERED
    assert request.headers["host"] == f"xn--bcher-kva.de:{receiver.port}"
    assert await DeliveryAttempt.filter(delivery_id=delivery_id).count() == 1


@pytest.mark.parametrize("value", ["²", "9" * 400])
async def test_an_unreadable_retry_after_gives_one_recorded_attempt(db: str, value: str) -> None:
    with WebhookReceiver(statuses=[503], headers={0: {"Retry-After": value}}) as receiver:
        _, delivery_id = await _webhook_delivery(receiver.url)
        result = await delivery_attempts.send(delivery_id=delivery_id)
        assert len(receiver.received) == 1
    assert result.status is DeliveryStatus.PENDING and result.retry_in == pytest.approx(0.05)
    [attempt] = await DeliveryAttempt.filter(delivery_id=delivery_id)
    assert attempt.status_code == 503
    assert (await Delivery.get(id=delivery_id)).attempts == 1


async def test_a_retry_after_date_is_honoured(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEMBAR_WEBHOOK_RETRY_SCHEDULE_SECONDS", "[0.05, 3600]")
    get_settings.cache_clear()
    when = format_datetime(clock.now() + timedelta(seconds=120), usegmt=True)
    with WebhookReceiver(statuses=[503], headers={0: {"Retry-After": when}}) as receiver:
        _, delivery_id = await _webhook_delivery(receiver.url)
        before = clock.now()
        result = await delivery_attempts.send(delivery_id=delivery_id)
    assert result.status is DeliveryStatus.PENDING
    delivery = await Delivery.get(id=delivery_id)
    assert delivery.next_attempt_at is not None
    assert 110 <= (delivery.next_attempt_at - before).total_seconds() <= 121


async def test_an_unexpected_error_is_a_failed_attempt_on_the_schedule(
    db: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from core.webhooks import signing

    def broken(**kwargs: Any) -> dict[str, str]:
        raise KeyError("boom")

    _, delivery_id = await _webhook_delivery("http://127.0.0.1:9/hook")
    monkeypatch.setattr(signing, "headers", broken)
    result = await delivery_attempts.send(delivery_id=delivery_id)
    assert result.status is DeliveryStatus.PENDING and result.retry_in is not None
    [attempt] = await DeliveryAttempt.filter(delivery_id=delivery_id)
    assert attempt.status_code is None and "KeyError" in (attempt.error or "")
    assert any(r.exc_info for r in caplog.records)  # logged with its traceback


# 2. one overall time limit -------------------------------------------------------------------


@pytest.fixture
async def trickling_server() -> AsyncIterator[int]:
    """A receiver that reads the request, then answers one header byte per second, forever."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.read(65536)
            writer.write(b"HTTP/1.1 200 OK\r\n")
            while True:
                writer.write(b"x")
                await writer.drain()
                await asyncio.sleep(1)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def test_a_trickling_receiver_is_a_failed_attempt_within_the_timeout(
    db: str, monkeypatch: pytest.MonkeyPatch, trickling_server: int
) -> None:
    monkeypatch.setenv("KEMBAR_WEBHOOK_TIMEOUT_SECONDS", "2")
    get_settings.cache_clear()
    _, delivery_id = await _webhook_delivery(f"http://127.0.0.1:{trickling_server}/hook")
    started = time.monotonic()
    result = await asyncio.wait_for(delivery_attempts.send(delivery_id=delivery_id), timeout=8)
    took = time.monotonic() - started
    assert 1.9 <= took < 3.5, took
    assert result.status is DeliveryStatus.PENDING and result.retry_in is not None
    [attempt] = await DeliveryAttempt.filter(delivery_id=delivery_id)
    assert attempt.status_code is None and "2" in (attempt.error or "")
    assert 1900 <= attempt.duration_ms < 3500


@pytest.mark.parametrize("webhook_timeout", [None, "100"])
def test_attempt_timeout_fits_inside_the_actor_limit_inside_the_lease(
    monkeypatch: pytest.MonkeyPatch, webhook_timeout: str | None
) -> None:
    from workers.delivery_actors import _send_time_limit_ms, send_delivery

    if webhook_timeout is not None:
        monkeypatch.setenv("KEMBAR_WEBHOOK_TIMEOUT_SECONDS", webhook_timeout)
        get_settings.cache_clear()
    try:
        settings = get_settings()
        total = max(settings.webhook_timeout_seconds, settings.smtp_timeout_seconds)
        limit = _send_time_limit_ms() / 1000
        # at least 15 s for the bookkeeping after an attempt, and 15 s more before the lease ends
        assert limit - total >= 15
        assert delivery_attempts.lease_seconds(settings) - limit >= 15
        if webhook_timeout is None:  # the actor was declared with these settings
            assert send_delivery.options["time_limit"] == 30_000
    finally:
        get_settings.cache_clear()


# 3. the sweep --------------------------------------------------------------------------------


async def test_the_sweep_requeues_an_overdue_delivery_once_per_grace(db: str) -> None:
    _, delivery_id = await _webhook_delivery("http://127.0.0.1:9/hook")
    grace = get_settings().delivery_sweep_grace_seconds
    long_ago = clock.now() - timedelta(seconds=grace + 5)
    await Delivery.filter(id=delivery_id).update(next_attempt_at=long_ago, enqueued_at=long_ago)
    assert await deliveries.sweep() == [delivery_id]  # its message was lost
    assert await deliveries.sweep() == []  # just re-queued: not again within the grace
    await Delivery.filter(id=delivery_id).update(enqueued_at=long_ago)
    assert await deliveries.sweep() == [delivery_id]  # that one was lost too


# 4. the failing streak -----------------------------------------------------------------------


async def test_a_failure_after_a_quiet_gap_starts_a_new_streak(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEMBAR_WEBHOOK_DISABLE_AFTER_SECONDS", "3600")
    get_settings.cache_clear()
    sub, delivery_id = await _webhook_delivery("http://127.0.0.1:9/closed")
    days_ago = clock.now() - timedelta(days=3)
    await Subscriber.filter(id=sub.id).update(failing_since=days_ago)  # an old streak gave up
    result = await delivery_attempts.send(delivery_id=delivery_id)
    assert result.status is DeliveryStatus.PENDING  # not disabled
    sub = await Subscriber.get(id=sub.id)
    assert sub.webhook_enabled and sub.failing_since is not None
    assert (clock.now() - sub.failing_since).total_seconds() < 60  # the new streak starts now


async def test_a_failure_soon_after_the_last_one_keeps_the_streak(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEMBAR_WEBHOOK_DISABLE_AFTER_SECONDS", "3600")
    get_settings.cache_clear()
    sub, delivery_id = await _webhook_delivery("http://127.0.0.1:9/closed")
    await Subscriber.filter(id=sub.id).update(failing_since=clock.now() - timedelta(days=3))
    await DeliveryAttempt.create(
        delivery_id=delivery_id, attempted_at=clock.now() - timedelta(seconds=30), error="HTTP 500"
    )  # failed 30 s ago (the gap here is ~2 min): still the same streak
    result = await delivery_attempts.send(delivery_id=delivery_id)
    assert result.status is DeliveryStatus.FAILED
    assert not (await Subscriber.get(id=sub.id)).webhook_enabled


# 5. inactive owners --------------------------------------------------------------------------


async def test_an_inactive_owner_gets_no_deliveries(db: str) -> None:
    officer = await Account.create(email="pejabat@bandung.go.id", role=Role.OFFICER)
    with WebhookReceiver() as receiver:
        sub, delivery_id = await _webhook_delivery(receiver.url, owner_id=officer.id)
        await Account.filter(id=officer.id).update(active=False)
        result = await delivery_attempts.send(delivery_id=delivery_id)  # planned while active
        assert receiver.received == []
    assert result.status is DeliveryStatus.SKIPPED
    assert "inactive" in ((await Delivery.get(id=delivery_id)).last_error or "")
    await factories.document(
        await factories.pair("Surabaya", "Kitakyushu", "JP"), factories.DocumentType.OFFER_LETTER
    )
    await subscribers.update(
        subscriber_id=sub.id, topic=TopicInput(kind=TopicKind.ALL), actor="test-admin"
    )
    assert await deliveries.plan(envelope=await _latest_envelope()) == []
    assert await Delivery.filter(subscriber_id=sub.id).count() == 1
    await Account.filter(id=officer.id).update(active=True)
    assert len(await deliveries.plan(envelope=await _latest_envelope())) == 1


# 6. planning and replay tolerate rows made meanwhile -----------------------------------------


async def test_concurrent_plans_create_each_delivery_once(db: str) -> None:
    p = await factories.pair()
    for i in range(3):
        await subscribers.create(
            owner_id=None, name=f"s{i}", webhook_url="http://127.0.0.1:9/hook",
            webhook_enabled=True, in_app_enabled=True,
            topic=TopicInput(kind=TopicKind.PARTNERSHIP, partnership_id=p.id), actor="a",
        )  # fmt: skip
    envelope = await _latest_envelope()
    results = await asyncio.gather(*(deliveries.plan(envelope=envelope) for _ in range(4)))
    assert all(sorted(r) == sorted(results[0]) and len(r) == 3 for r in results)
    assert await Delivery.filter(event_id=envelope.event_id).count() == 6


async def test_replay_creates_only_the_missing_deliveries_in_batches(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core import relay

    start = clock.now() - timedelta(seconds=1)
    p = await factories.pair()
    await factories.document(p, factories.DocumentType.FEASIBILITY_STUDY)
    await factories.document(p, factories.DocumentType.OFFER_LETTER)

    async def nowhere(envelope: Envelope) -> None:
        return None

    await relay.relay_batch(nowhere)
    assert await OutboxEvent.filter(sent_at__not_isnull=True).count() >= 3
    issued = await subscribers.create(
        owner_id=None, name="late", webhook_url="http://127.0.0.1:9/hook", webhook_enabled=True,
        topic=TopicInput(kind=TopicKind.PARTNERSHIP, partnership_id=p.id), actor="a",
    )  # fmt: skip
    await deliveries.plan(envelope=await _latest_envelope())  # one exists already
    first = await Delivery.get(subscriber_id=issued.subscriber.id)
    monkeypatch.setattr(deliveries, "REPLAY_BATCH", 2)
    count = await deliveries.replay(since=start, actor="test-admin")
    rows = await Delivery.filter(subscriber_id=issued.subscriber.id).order_by("id")
    assert count == len(rows) >= 3  # every event of the partnership once
    assert rows[0].id == first.id


async def test_a_delivery_made_between_the_check_and_the_insert_is_no_error(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = await factories.pair()
    issued = await subscribers.create(
        owner_id=None, name="s", webhook_url="http://127.0.0.1:9/hook", webhook_enabled=True,
        in_app_enabled=True, topic=TopicInput(kind=TopicKind.PARTNERSHIP, partnership_id=p.id),
        actor="a",
    )  # fmt: skip
    envelope = await _latest_envelope()
    real = Delivery.bulk_create.__func__  # type: ignore[attr-defined]

    def racing(cls: type[Delivery], objs: list[Delivery], **kwargs: Any) -> Any:
        async def run() -> Any:
            first = objs[0]  # what a concurrent plan (the actor, a replay) just wrote
            await Delivery.create(
                event_id=first.event_id, event_type=first.event_type,
                subscriber_id=first.subscriber_id, channel=first.channel, status=first.status,
                next_attempt_at=first.next_attempt_at, envelope=first.envelope,
            )  # fmt: skip
            return await real(cls, objs, **kwargs)

        return run()

    monkeypatch.setattr(Delivery, "bulk_create", classmethod(racing))
    pending = await deliveries.plan(envelope=envelope)
    assert len(pending) == 1
    rows = await Delivery.filter(subscriber_id=issued.subscriber.id)
    assert sorted(r.channel.value for r in rows) == ["in_app", "webhook"]


async def test_a_gzip_bomb_answer_is_not_inflated() -> None:
    import gzip
    import ipaddress
    import tracemalloc

    from core.webhooks import sender
    from core.webhooks.address import Target

    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)  # 64 MiB in ~64 KiB

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        writer.write(
            b"HTTP/1.1 500 Oops\r\ncontent-encoding: gzip\r\n"
            + f"content-length: {len(bomb)}\r\n\r\n".encode()
            + bomb
        )
        try:
            await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    target = Target(f"http://hooks.example:{port}/", "http", "hooks.example", port,
                    ipaddress.ip_address("127.0.0.1"))  # fmt: skip
    tracemalloc.start()
    try:
        outcome = await sender.post(target=target, body=b"{}", headers={}, timeout_seconds=5)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        server.close()
    assert outcome.status_code == 500 and outcome.error and outcome.error.startswith("HTTP 500")
    assert peak < 8 * 1024 * 1024, peak  # decoding the first chunk alone would be ~64 MiB
