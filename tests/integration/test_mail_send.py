"""The e-mail channel against a real SMTP server (aiosmtpd) and a real database: what arrives,
once, with which headers; and which failures are temporary (retry) or permanent (give up)."""

from __future__ import annotations

import asyncio
import socket
import ssl
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trustme

from core import mail
from core.enums import Area, ProgramType
from core.envelope import Envelope
from core.mail import MailError, context, send_notification
from core.models import OutboxEvent
from core.policy import Role
from core.services import accounts, partnerships, programs
from core.settings import get_settings
from core.stages import Stage
from tests import factories
from tests.mail_server import MailServer, mail_server, mail_settings, settings_for

__all__ = ["mail_server", "mail_settings"]  # fixtures, imported so that pytest finds them

OFFICER = "siti.rahma@bandung.go.id"
TO = "partner@braunschweig.example"


async def stage_change() -> tuple[Envelope, int]:
    """Bandung and Braunschweig moved to exploration by a named officer, with a reason."""
    await accounts.create_account(email=OFFICER, role=Role.ADMIN, name="Siti Rahma", actor="test")
    p = await factories.pair()
    await factories.document(p, factories.DocumentType.FEASIBILITY_STUDY)
    p = await partnerships.advance_stage(
        partnership_id=p.id,
        to=Stage.EXPLORATION,
        expected_version=p.version,
        reason="Kajian kelayakan telah selesai",
        actor=OFFICER,
    )
    return await envelope_of("partnership.stage_advanced"), p.id


async def envelope_of(event_type: str) -> Envelope:
    row = await OutboxEvent.filter(type=event_type).order_by("-seq").first()
    assert row is not None, event_type
    return Envelope.from_row(row)


def flat(body: str) -> str:
    """The body with its line wrapping undone."""
    return " ".join(body.split())


async def nothing_more_arrives(server: MailServer, count: int) -> None:
    await asyncio.sleep(0.3)
    assert len(server.messages) == count


async def test_a_stage_change_arrives_once_in_indonesian(db: str, mail_settings: MailServer):
    envelope, partnership_id = await stage_change()

    message_id = await send_notification(to=TO, locale="id", envelope=envelope)

    [mail_] = await mail_settings.wait_for(1)
    await nothing_more_arrives(mail_settings, 1)
    headers = mail_.message
    assert mail_.rcpt_tos == (TO,)
    assert headers["To"] == TO
    assert headers["From"] == get_settings().mail_from
    assert headers["Message-ID"] == message_id
    assert message_id.startswith(f"<{envelope.event_id}.")
    assert headers["X-Kembar-Event-Id"] == str(envelope.event_id)
    assert headers["Content-Language"] == "id"
    assert headers["Auto-Submitted"] == "auto-generated"
    subject = headers["Subject"]
    assert "Bandung" in subject and "Braunschweig" in subject
    assert "Penjajakan Awal" in subject
    link = f"http://127.0.0.1:8000/partnerships/{partnership_id}"
    for body in (flat(mail_.text()), flat(mail_.html())):
        assert "Yth. Bapak/Ibu" in body
        assert "dari tahap Identifikasi Potensi ke tahap Penjajakan Awal" in body
        assert "Siti Rahma" in body and OFFICER in body
        assert "Kajian kelayakan telah selesai" in body
        assert "Jerman" in body  # the partner's country, in Indonesian
        assert "WIB" in body
        assert link in body


async def test_english_for_an_english_reader(db: str, mail_settings: MailServer):
    envelope, _ = await stage_change()

    await send_notification(to=TO, locale="en", envelope=envelope)

    [mail_] = await mail_settings.wait_for(1)
    assert mail_.message["Subject"] == (
        "[Kembar] Bandung \u2013 Braunschweig: Moved to Initial exploration"
    )
    assert mail_.message["Content-Language"] == "en"
    text = flat(mail_.text())
    assert "from the stage Identification of potential partners to the stage Initial" in text
    assert "Germany" in text and "Siti Rahma" in text
    assert "Penjajakan" not in text


async def test_a_retry_carries_the_same_message_id(db: str, mail_settings: MailServer):
    envelope, _ = await stage_change()

    first = await send_notification(to=TO, locale="id", envelope=envelope)
    again = await send_notification(to=TO, locale="id", envelope=envelope)
    other = await send_notification(to="kedua@example.org", locale="id", envelope=envelope)

    received = await mail_settings.wait_for(3)
    assert first == again != other
    assert [m.message["Message-ID"] for m in received] == [first, first, other]


async def test_a_program_event_names_the_program(db: str, mail_settings: MailServer):
    p = await factories.pair("Surabaya", "Kitakyushu", "JP")
    await programs.create_program(
        partnership_id=p.id,
        title="Pengelolaan sampah <Takakura>",
        area=Area.ENVIRONMENT,
        type=ProgramType.TECHNICAL_PROJECT,
        actor="system:evaluations",
    )

    await send_notification(to=TO, locale="id", envelope=await envelope_of("program.created"))

    [mail_] = await mail_settings.wait_for(1)
    assert "Surabaya" in mail_.message["Subject"] and "Kitakyushu" in mail_.message["Subject"]
    text, html = flat(mail_.text()), flat(mail_.html())
    assert "“Pengelolaan sampah <Takakura>”" in text
    assert "Pengelolaan sampah &lt;Takakura&gt;" in html and "<Takakura>" not in html
    assert "lingkungan hidup" in text and "Jepang" in text
    assert "sistem Kembar (otomatis)" in text


@pytest.mark.parametrize("event_type", ["partnership.stage_advanced", "program.created"])
async def test_the_context_takes_at_most_two_queries(db: str, sql_counter, event_type: str):
    await stage_change()
    p = await factories.pair("Medan", "Gwangju", "KR")
    await programs.create_program(
        partnership_id=p.id,
        title="Pertukaran pelajar",
        area=Area.EDUCATION,
        type=ProgramType.STUDENT_EXCHANGE,
        actor=OFFICER,
    )
    envelope = await envelope_of(event_type)
    sql_counter.statements.clear()

    loaded = await context.load(envelope=envelope, settings=get_settings())

    assert len(sql_counter.statements) == 2, sql_counter.statements
    assert loaded.actor_name == "Siti Rahma"
    assert loaded.foreign.name in ("Braunschweig", "Gwangju")


async def test_the_server_down_is_temporary(db: str, mail_settings: MailServer):
    envelope, _ = await stage_change()
    mail_settings.stop()

    with pytest.raises(MailError) as caught:
        await send_notification(to=TO, locale="id", envelope=envelope)

    assert caught.value.temporary is True


async def test_a_server_that_never_answers_is_temporary(db: str, mail_server: MailServer):
    envelope, _ = await stage_change()
    with socket.socket() as silent:  # accepts connections (backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = str(silent.getsockname()[1])
        with (
            settings_for(mail_server, KEMBAR_SMTP_PORT=port, KEMBAR_SMTP_TIMEOUT_SECONDS="0.5"),
            pytest.raises(MailError) as caught,
        ):
            await send_notification(to=TO, locale="id", envelope=envelope)

    assert caught.value.temporary is True


async def test_an_unknown_recipient_is_permanent(db: str, mail_settings: MailServer):
    envelope, _ = await stage_change()
    mail_settings.refuse(TO, "550 5.1.1 No such user")

    with pytest.raises(MailError) as caught:
        await send_notification(to=TO, locale="id", envelope=envelope)

    assert caught.value.temporary is False
    assert "550" in str(caught.value)
    await nothing_more_arrives(mail_settings, 0)


async def test_a_mailbox_busy_now_is_temporary(db: str, mail_settings: MailServer):
    envelope, _ = await stage_change()
    mail_settings.refuse(TO, "450 4.2.1 Mailbox busy, try again later")

    with pytest.raises(MailError) as caught:
        await send_notification(to=TO, locale="id", envelope=envelope)

    assert caught.value.temporary is True


async def test_a_message_refused_at_data_is_permanent(db: str, mail_settings: MailServer):
    envelope, _ = await stage_change()
    mail_settings.data_reply = "554 5.6.0 Message rejected"

    with pytest.raises(MailError) as caught:
        await send_notification(to=TO, locale="id", envelope=envelope)

    assert caught.value.temporary is False


@pytest.mark.parametrize(
    "address",
    ["", "not-an-address", "a@b.example\r\nBcc: x@y.example", "Name <a@b.example>", "a@"],
)
async def test_a_bad_address_is_permanent_and_nothing_is_sent(
    db: str, mail_settings: MailServer, address: str
):
    envelope, _ = await stage_change()

    with pytest.raises(MailError) as caught:
        await send_notification(to=address, locale="id", envelope=envelope)

    assert caught.value.temporary is False
    await nothing_more_arrives(mail_settings, 0)


async def test_an_unknown_locale_is_permanent(db: str, mail_settings: MailServer):
    envelope, _ = await stage_change()

    with pytest.raises(MailError) as caught:
        await send_notification(to=TO, locale="jv", envelope=envelope)

    assert caught.value.temporary is False


async def test_a_partnership_that_is_gone_is_permanent(db: str, mail_settings: MailServer):
    envelope = Envelope(
        event_id=uuid.uuid4(),
        type="partnership.abandoned",
        version=1,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        aggregate_type="partnership",
        aggregate_id="999999",
        actor="cli",
        correlation_id="c",
        payload={"partnership_id": 999999, "stage": "exploration", "reason": "x"},
    )

    with pytest.raises(MailError) as caught:
        await send_notification(to=TO, locale="id", envelope=envelope)

    assert caught.value.temporary is False


async def test_without_an_smtp_host_mail_is_off(db: str, monkeypatch: pytest.MonkeyPatch):
    envelope, _ = await stage_change()
    monkeypatch.delenv("KEMBAR_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    try:
        assert mail.enabled() is False
        with pytest.raises(MailError) as caught:
            await send_notification(to=TO, locale="id", envelope=envelope)
    finally:
        get_settings.cache_clear()

    assert caught.value.temporary is False


# --- STARTTLS with a login, against a certificate from a private CA (trustme) -------------------


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context with a certificate for 127.0.0.1, and the CA file that trusts it."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return server_context, ca_file


@pytest.fixture
def tls_server(certificate: tuple[ssl.SSLContext, Path]) -> Iterator[tuple[MailServer, Path]]:
    server_context, ca_file = certificate
    server = MailServer(tls_context=server_context, login=("kembar", "rahasia")).start()
    try:
        yield server, ca_file
    finally:
        server.stop()


async def test_tls_from_the_first_byte(db: str, certificate: tuple[ssl.SSLContext, Path]):
    server_context, ca_file = certificate
    server = MailServer(implicit_tls=server_context).start()
    envelope, _ = await stage_change()
    try:
        with settings_for(server, KEMBAR_SMTP_CA_FILE=str(ca_file)):
            assert get_settings().smtp_tls == "tls"
            await send_notification(to=TO, locale="en", envelope=envelope)
        [mail_] = await server.wait_for(1)
        with (
            settings_for(server, KEMBAR_SMTP_TLS="none", KEMBAR_SMTP_TIMEOUT_SECONDS="1"),
            pytest.raises(MailError) as caught,
        ):
            await send_notification(to=TO, locale="en", envelope=envelope)
    finally:
        server.stop()

    assert mail_.message["X-Kembar-Event-Id"] == str(envelope.event_id)
    assert caught.value.temporary is True  # plain SMTP to a TLS port: a configuration problem


async def test_starttls_with_a_login(db: str, tls_server: tuple[MailServer, Path]):
    server, ca_file = tls_server
    envelope, _ = await stage_change()

    with settings_for(server, KEMBAR_SMTP_CA_FILE=str(ca_file)):
        assert get_settings().smtp_tls == "starttls"
        await send_notification(to=TO, locale="id", envelope=envelope)

    [mail_] = await server.wait_for(1)
    assert mail_.message["X-Kembar-Event-Id"] == str(envelope.event_id)


@pytest.mark.parametrize(
    "settings",
    [
        {"KEMBAR_SMTP_PASSWORD": "salah"},  # wrong password: 535
        {"KEMBAR_SMTP_CA_FILE": ""},  # the server's certificate is not trusted
        {"KEMBAR_SMTP_TLS": "none"},  # the server requires STARTTLS first
    ],
    ids=["wrong-password", "untrusted-certificate", "no-tls"],
)
async def test_tls_and_login_failures_are_temporary(
    db: str, tls_server: tuple[MailServer, Path], settings: dict[str, str]
):
    server, ca_file = tls_server
    envelope, _ = await stage_change()

    with settings_for(server, **{"KEMBAR_SMTP_CA_FILE": str(ca_file), **settings}):
        with pytest.raises(MailError) as caught:
            await send_notification(to=TO, locale="id", envelope=envelope)

    assert caught.value.temporary is True
    assert server.messages == []
