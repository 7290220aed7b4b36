"""E-mail deliveries through the mail channel (core.mail) to a real SMTP server (aiosmtpd):
delivered once, in the subscriber's language; a refused recipient fails for good; a server that
is down is retried."""

from __future__ import annotations

import pytest

from core.envelope import Envelope
from core.models import Delivery, DeliveryAttempt, DeliveryStatus, OutboxEvent
from core.models.subscriber import TopicKind
from core.services import deliveries, delivery_attempts, subscribers
from core.services.subscribers import TopicInput
from tests import factories
from tests.mail_server import MailServer, mail_server, mail_settings  # noqa: F401

pytestmark = pytest.mark.usefixtures("mail_settings")


async def _email_delivery(address: str, locale: str = "en") -> int:
    p = await factories.pair()
    await subscribers.create(
        owner_id=None,
        name="Partner contact",
        locale=locale,
        email=address,
        email_enabled=True,
        topic=TopicInput(kind=TopicKind.PARTNERSHIP, partnership_id=p.id),
        actor="test-admin",
    )
    row = await OutboxEvent.all().order_by("-seq").first()
    assert row is not None
    [delivery_id] = await deliveries.plan(envelope=Envelope.from_row(row))
    return delivery_id


async def test_an_email_delivery_sends_one_message(
    db: str, mail_settings: MailServer  # noqa: F811
) -> None:
    delivery_id = await _email_delivery("contact@braunschweig.de")
    result = await delivery_attempts.send(delivery_id=delivery_id)
    assert result.status is DeliveryStatus.DELIVERED
    [mail] = await mail_settings.wait_for(1)
    assert mail.rcpt_tos == ("contact@braunschweig.de",)
    assert "Bandung" in str(mail.message["Subject"])
    assert (await delivery_attempts.send(delivery_id=delivery_id)).status is None  # once only
    [attempt] = await DeliveryAttempt.filter(delivery_id=delivery_id)
    assert attempt.error is None
    assert len(mail_settings.messages) == 1


async def test_a_refused_recipient_fails_the_delivery(
    db: str, mail_settings: MailServer  # noqa: F811
) -> None:
    mail_settings.refuse("gone@braunschweig.de")
    delivery_id = await _email_delivery("gone@braunschweig.de")
    result = await delivery_attempts.send(delivery_id=delivery_id)
    delivery = await Delivery.get(id=delivery_id)
    assert result.status is DeliveryStatus.FAILED, delivery.last_error
    assert delivery.last_error and mail_settings.messages == []


async def test_a_server_that_is_down_is_retried(
    db: str, mail_settings: MailServer  # noqa: F811
) -> None:
    delivery_id = await _email_delivery("contact@braunschweig.de", locale="id")
    mail_settings.stop()
    result = await delivery_attempts.send(delivery_id=delivery_id)
    assert result.status is DeliveryStatus.PENDING
    delivery = await Delivery.get(id=delivery_id)
    assert delivery.attempts == 1 and delivery.next_attempt_at is not None


async def test_an_email_whose_rendering_raises_is_one_failed_attempt(
    db: str, mail_settings: MailServer, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    from core.mail import render

    def broken(*args: object, **kwargs: object) -> object:
        raise KeyError("partner_name")  # a template reading a field the payload lacks

    delivery_id = await _email_delivery("contact@braunschweig.de")
    monkeypatch.setattr(render, "render", broken)
    result = await delivery_attempts.send(delivery_id=delivery_id)
    assert result.status is DeliveryStatus.PENDING and mail_settings.messages == []
    [attempt] = await DeliveryAttempt.filter(delivery_id=delivery_id)
    assert attempt.status_code is None and "KeyError" in (attempt.error or "")
    resent = await delivery_attempts.send(delivery_id=delivery_id)
    assert resent.status is None  # not due: no resend


async def test_a_trickling_smtp_server_is_a_failed_attempt_within_the_timeout(
    db: str, mail_settings: MailServer, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    import asyncio
    import time

    from core.settings import get_settings

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def reply(line: bytes) -> None:  # each answer within aiosmtplib's per-command limit
            await asyncio.sleep(1.5)
            writer.write(line)
            await writer.drain()

        try:
            await reply(b"220 slow.example ESMTP\r\n")
            while command := await reader.readline():
                if command.upper().startswith(b"DATA"):
                    await reply(b"354 go on\r\n")
                    await reader.readuntil(b"\r\n.\r\n")
                quit_ = command.upper().startswith(b"QUIT")
                await reply(b"221 bye\r\n" if quit_ else b"250 ok\r\n")
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        delivery_id = await _email_delivery("contact@braunschweig.de")
        monkeypatch.setenv("KEMBAR_SMTP_PORT", str(server.sockets[0].getsockname()[1]))
        monkeypatch.setenv("KEMBAR_SMTP_TIMEOUT_SECONDS", "2")
        get_settings.cache_clear()
        started = time.monotonic()
        result = await asyncio.wait_for(delivery_attempts.send(delivery_id=delivery_id), timeout=8)
        took = time.monotonic() - started
    finally:
        server.close()
        get_settings.cache_clear()
    assert 1.9 <= took < 3.5, took
    assert result.status is DeliveryStatus.PENDING
    [attempt] = await DeliveryAttempt.filter(delivery_id=delivery_id)
    assert attempt.status_code is None and attempt.error
