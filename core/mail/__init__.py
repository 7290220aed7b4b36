"""The e-mail channel: one notification about one event, rendered in the recipient's language
(``id`` or ``en``) and sent over SMTP.

The caller (the notify worker) owns retries and "exactly once": :func:`send_notification` raises
:class:`MailError` with ``temporary`` telling it whether to retry, and the Message-ID it returns
is the same for the same event and recipient, so a resend after a crash can be recognised.
"""

from __future__ import annotations

from core.envelope import Envelope
from core.mail.errors import MailError

__all__ = ["MailError", "send_notification"]


async def send_notification(*, to: str, locale: str, envelope: Envelope) -> str:
    """Render and send the e-mail about ``envelope`` to ``to`` in ``locale``; its Message-ID."""
    raise MailError("the e-mail channel is not built yet", temporary=True)
