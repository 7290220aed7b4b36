"""One e-mail over SMTP (aiosmtplib), and what its failure means for a retry.

The Message-ID is derived from the event id and the recipient, so every retry of one notification
carries the same id and a receiving server (or a test) can recognise a duplicate.

Permanent failures are those about this message or this recipient: the address is malformed, or
the server answers 5xx to RCPT TO or DATA. Everything else (no connection, timeout, 4xx, and also
5xx to HELO, AUTH or MAIL FROM, which are this server's or this configuration's problem and fixed
by an operator, not by the recipient) is temporary: the caller retries on its schedule.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import aiosmtplib

from core import clock
from core.mail.errors import MailError
from core.mail.render import Rendered
from core.settings import Settings

EVENT_HEADER = "X-Kembar-Event-Id"


def message_id(*, event_id: uuid.UUID, to: str, mail_from: str) -> str:
    """``<event-id.recipient-hash@sender-domain>``: the same for every retry to the same person."""
    digest = hashlib.sha256(to.strip().lower().encode()).hexdigest()[:16]
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "kembar.invalid"
    return f"<{event_id}.{digest}@{domain}>"


def checked_address(to: str) -> str:
    """``to`` as one plain address (``name@domain``); a permanent MailError otherwise."""
    if not to or any(ch in to for ch in "\r\n\0") or to != to.strip():
        raise MailError(f"not an e-mail address: {to!r}", temporary=False)
    try:
        address = Address(addr_spec=to)
    except (HeaderParseError, ValueError, IndexError) as exc:
        raise MailError(f"not an e-mail address: {to!r}", temporary=False) from exc
    if not address.username or not address.domain or address.addr_spec != to:
        raise MailError(f"not an e-mail address: {to!r}", temporary=False)
    return to


def build(
    *, rendered: Rendered, to: str, locale: str, event_id: uuid.UUID, settings: Settings
) -> EmailMessage:
    """The message: text and HTML alternatives, stable Message-ID, the event id in a header."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = message_id(event_id=event_id, to=to, mail_from=settings.mail_from)
    message[EVENT_HEADER] = str(event_id)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    message["Content-Language"] = locale  # after the parts: set_content moves Content-* headers
    return message


async def send(message: EmailMessage, *, to: str, settings: Settings) -> None:
    """Hand ``message`` to the SMTP server of ``settings`` for ``to``; MailError if it is not."""
    if not settings.smtp_host:
        raise MailError("e-mail is off: KEMBAR_SMTP_HOST is not set", temporary=False)
    try:
        # aiosmtplib's timeout is per command; this one bounds the whole conversation (its
        # TimeoutError is an OSError: temporary, below)
        async with asyncio.timeout(settings.smtp_timeout_seconds):
            await aiosmtplib.send(
                message,
                recipients=[to],
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=settings.smtp_password,
                use_tls=settings.smtp_tls == "tls",
                start_tls=settings.smtp_tls == "starttls",  # "none" never upgrades, even if offered
                cert_bundle=settings.smtp_ca_file,
                timeout=settings.smtp_timeout_seconds,
            )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [refused.code for refused in exc.recipients]
        raise MailError(
            f"{to} refused: " + "; ".join(f"{r.code} {r.message}" for r in exc.recipients),
            temporary=any(code < 500 for code in codes),
        ) from exc
    except (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError) as exc:
        raise MailError(
            f"{to} refused: {exc.code} {exc.message}", temporary=exc.code < 500
        ) from exc
    except aiosmtplib.SMTPResponseException as exc:
        raise MailError(f"SMTP server said {exc.code} {exc.message}", temporary=True) from exc
    except (aiosmtplib.SMTPException, OSError) as exc:  # refused, timeouts, TLS, disconnects
        raise MailError(
            f"SMTP {settings.smtp_host}:{settings.smtp_port} failed: {type(exc).__name__}: {exc}",
            temporary=True,
        ) from exc
