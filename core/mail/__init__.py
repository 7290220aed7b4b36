"""The e-mail channel: one notification about one event, rendered in the recipient's language
(``id`` or ``en``) and sent over SMTP.

The caller (the notify worker) owns retries and "exactly once": :func:`send_notification` raises
:class:`MailError` with ``temporary`` telling it whether to retry, and the Message-ID it returns
is the same for the same event and recipient, so a resend after a crash can be recognised.
"""

from __future__ import annotations

from core.envelope import Envelope
from core.mail import context, render, sender
from core.mail.errors import MailError
from core.mail.vocabulary import LOCALES
from core.settings import get_settings

__all__ = ["MailError", "enabled", "send_notification"]


def enabled() -> bool:
    """Whether an SMTP server is configured (KEMBAR_SMTP_HOST); without one nothing is sent."""
    return bool(get_settings().smtp_host)


async def send_notification(*, to: str, locale: str, envelope: Envelope) -> str:
    """Render and send the e-mail about ``envelope`` to ``to`` in ``locale``; its Message-ID."""
    settings = get_settings()
    sender.checked_address(to)
    if locale not in LOCALES:
        raise MailError(f"no e-mail templates for locale {locale!r}", temporary=False)
    if not settings.smtp_host:
        raise MailError("e-mail is off: KEMBAR_SMTP_HOST is not set", temporary=False)
    loaded = await context.load(envelope=envelope, settings=settings)
    try:
        rendered = render.render(loaded, locale)
    except render.UnknownEventType as exc:
        raise MailError(str(exc), temporary=False) from exc
    message = sender.build(
        rendered=rendered, to=to, locale=locale, event_id=envelope.event_id, settings=settings
    )
    await sender.send(message, to=to, settings=settings)
    return str(message["Message-ID"])
