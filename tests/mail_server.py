"""A real SMTP server for tests (aiosmtpd in its own thread), and fixtures that point Kembar at it.

Use from any test module (the names are pytest fixtures; import them so pytest finds them)::

    from tests.mail_server import mail_server, mail_settings  # noqa: F401

    async def test_x(mail_settings: MailServer) -> None:
        ...send...
        [mail] = await mail_settings.wait_for(1)

``mail_server`` only runs the server; ``mail_settings`` also sets ``KEMBAR_SMTP_*`` for this
process (``get_settings()`` is re-read) and restores them after. For processes a test starts,
pass ``mail_server.env()`` into their environment. ``refuse(address, "550 ...")`` makes the
server refuse a recipient; ``messages`` holds every accepted message, parsed, in arrival order.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from core.settings import get_settings


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage  # parsed with email.policy.default

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None, "no text/plain part"
        return str(part.get_content())  # type: ignore[attr-defined]

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        assert part is not None, "no text/html part"
        return str(part.get_content())  # type: ignore[attr-defined]


class _Handler:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        refusal = self.server.refusals.get(address.lower())
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.server.data_reply is not None:
            return self.server.data_reply
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append(
                ReceivedMail(
                    mail_from=envelope.mail_from,
                    rcpt_tos=tuple(envelope.rcpt_tos),
                    message=message,  # type: ignore[arg-type]
                )
            )
        return "250 Message accepted for delivery"


class MailServer:
    """aiosmtpd on 127.0.0.1 and a free port; optionally STARTTLS (``tls_context``) or TLS from
    the first byte (``implicit_tls``), and a required login."""

    def __init__(
        self,
        *,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        login: tuple[str, str] | None = None,
    ) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.messages: list[ReceivedMail] = []
        self.refusals: dict[str, str] = {}
        self.data_reply: str | None = None  # e.g. "554 ..." to refuse every message at DATA
        self.lock = threading.Lock()
        self.login = login
        self.tls_mode = "starttls" if tls_context else "tls" if implicit_tls else "none"
        self._running = False
        options: dict[str, Any] = {}
        if tls_context is not None:
            options.update(tls_context=tls_context, require_starttls=True)
        if implicit_tls is not None:
            options.update(ssl_context=implicit_tls)
        if login is not None:
            options.update(authenticator=self._authenticate, auth_required=True)
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, **options)

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and self.login is not None
            and (auth_data.login.decode(), auth_data.password.decode()) == self.login
        )
        return AuthResult(success=ok, handled=False)

    def start(self) -> MailServer:
        self._controller.start()
        self._running = True
        return self

    def stop(self) -> None:
        """Stop listening (a test may do it to see a server that is down); idempotent."""
        if self._running:
            self._running = False
            self._controller.stop()

    def refuse(self, address: str, reply: str = "550 5.1.1 No such user") -> None:
        """Answer ``reply`` (an SMTP status line) to RCPT TO for ``address``."""
        self.refusals[address.lower()] = reply

    def env(self) -> dict[str, str]:
        """KEMBAR_SMTP_* for a process that should send here."""
        values = {
            "KEMBAR_SMTP_HOST": self.host,
            "KEMBAR_SMTP_PORT": str(self.port),
            "KEMBAR_SMTP_TLS": self.tls_mode,
            "KEMBAR_SMTP_TIMEOUT_SECONDS": "5",
        }
        if self.login is not None:
            values["KEMBAR_SMTP_USERNAME"], values["KEMBAR_SMTP_PASSWORD"] = self.login
        return values

    async def wait_for(self, count: int, seconds: float = 10.0) -> list[ReceivedMail]:
        """The messages once at least ``count`` have arrived; AssertionError after ``seconds``."""
        deadline = time.monotonic() + seconds
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.messages)} e-mail(s) arrived, wanted {count}")
            await asyncio.sleep(0.02)
        with self.lock:
            return list(self.messages)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """A running SMTP server (no TLS, no login), stopped after the test."""
    server = MailServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mail_settings(mail_server: MailServer) -> Iterator[MailServer]:
    """``mail_server``, with this process's settings pointing at it for the test."""
    with settings_for(mail_server):
        yield mail_server


@contextmanager
def settings_for(server: MailServer, **extra: str) -> Iterator[None]:
    """``get_settings()`` sends to ``server`` (plus ``extra`` KEMBAR_* values) inside the block."""
    with pytest.MonkeyPatch.context() as patch:
        for key in ("KEMBAR_SMTP_USERNAME", "KEMBAR_SMTP_PASSWORD", "KEMBAR_SMTP_CA_FILE"):
            patch.delenv(key, raising=False)
        for key, value in {**server.env(), **extra}.items():
            patch.setenv(key, value)
        get_settings.cache_clear()
        try:
            yield
        finally:
            get_settings.cache_clear()
