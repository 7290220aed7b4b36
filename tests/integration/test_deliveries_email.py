"""E-mail deliveries through the mail channel (core.mail) to a real SMTP server (aiosmtpd):
delivered once, in the subscriber's language; a refused recipient fails for good; a server that
is down is retried."""

from __future__ import annotations

import pytest

from core.envelope import Envelope
from core.models import Delivery, DeliveryAttempt, DeliveryStatus, OutboxEvent
from core.models.subscriber import TopicKind
from core.services import deliveries, subscribers
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
    result = await deliveries.send(delivery_id=delivery_id)
    assert result.status is DeliveryStatus.DELIVERED
    [mail] = await mail_settings.wait_for(1)
    assert mail.rcpt_tos == ("contact@braunschweig.de",)
    assert "Bandung" in str(mail.message["Subject"])
    assert (await deliveries.send(delivery_id=delivery_id)).status is None  # once only
    [attempt] = await DeliveryAttempt.filter(delivery_id=delivery_id)
    assert attempt.error is None
    assert len(mail_settings.messages) == 1


async def test_a_refused_recipient_fails_the_delivery(
    db: str, mail_settings: MailServer  # noqa: F811
) -> None:
    mail_settings.refuse("gone@braunschweig.de")
    delivery_id = await _email_delivery("gone@braunschweig.de")
    result = await deliveries.send(delivery_id=delivery_id)
    delivery = await Delivery.get(id=delivery_id)
    assert result.status is DeliveryStatus.FAILED, delivery.last_error
    assert delivery.last_error and mail_settings.messages == []


async def test_a_server_that_is_down_is_retried(
    db: str, mail_settings: MailServer  # noqa: F811
) -> None:
    delivery_id = await _email_delivery("contact@braunschweig.de", locale="id")
    mail_settings.stop()
    result = await deliveries.send(delivery_id=delivery_id)
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
    result = await deliveries.send(delivery_id=delivery_id)
    assert result.status is DeliveryStatus.PENDING and mail_settings.messages == []
    [attempt] = await DeliveryAttempt.filter(delivery_id=delivery_id)
    assert attempt.status_code is None and "KeyError" in (attempt.error or "")
    assert (await deliveries.send(delivery_id=delivery_id)).status is None  # not due: no resend
