"""`kembar check` against real servers: this run's database, a private redis-server, an aiosmtpd
SMTP server; and against closed ports, a silent port and databases that are behind or ahead."""

from __future__ import annotations

import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Run
from tests.e2e.processes import free_port
from tests.mail_server import MailServer, mail_server  # noqa: F401  (fixture)


def lines(output: str) -> dict[str, str]:
    """``{"database": "✓ database ...", ...}``: the line of each check."""
    found = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1] in ("database", "redis", "smtp"):
            found[parts[1]] = line
    return found


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) but never says a word."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


@pytest.mark.redis
def test_everything_reachable_passes(
    kembar: Run, migrated: str, private_redis: Any, mail_server: MailServer  # noqa: F811
) -> None:
    result = kembar(
        "check",
        database_url=migrated,
        redis_url=private_redis.url,
        smtp_host=mail_server.host,
        smtp_port=str(mail_server.port),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    found = lines(result.stdout)
    assert found.keys() == {"database", "redis", "smtp"}
    assert found["database"].startswith("✓")
    assert "none pending" in found["database"]
    assert found["redis"].startswith("✓") and "PING answered" in found["redis"]
    assert found["smtp"].startswith("✓") and "EHLO and NOOP answered" in found["smtp"]
    assert "Traceback" not in result.stderr


def test_without_redis_and_smtp_the_embedded_default_passes(kembar: Run, migrated: str) -> None:
    result = kembar("check", database_url=migrated)
    assert result.returncode == 0, result.stdout + result.stderr
    found = lines(result.stdout)
    assert found["database"].startswith("✓")
    assert "embedded" in found["redis"]
    assert "not configured" in found["smtp"]


def test_closed_ports_fail_naming_redis_and_smtp(kembar: Run, migrated: str) -> None:
    result = kembar(
        "check",
        database_url=migrated,
        redis_url=f"redis://127.0.0.1:{free_port()}/0",
        smtp_host="127.0.0.1",
        smtp_port=str(free_port()),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    found = lines(result.stdout)
    assert found["database"].startswith("✓")
    assert found["redis"].startswith("✗") and "ConnectionError" in found["redis"]
    assert found["smtp"].startswith("✗") and "SMTPConnectError" in found["smtp"]
    assert "Traceback" not in result.stdout + result.stderr


def test_an_unreachable_database_fails(kembar: Run) -> None:
    result = kembar("check", database_url=f"postgres://postgres@127.0.0.1:{free_port()}/kembar")
    assert result.returncode == 1
    found = lines(result.stdout)
    assert found["database"].startswith("✗")
    assert "Connect call failed" in found["database"]


def test_a_silent_smtp_server_fails_within_the_timeout(
    kembar: Run, migrated: str, silent_port: int
) -> None:
    started = time.monotonic()
    result = kembar(
        "check", "--timeout", "1", database_url=migrated,
        smtp_host="127.0.0.1", smtp_port=str(silent_port),
    )  # fmt: skip
    assert result.returncode == 1
    assert "no answer within 1 s" in lines(result.stdout)["smtp"]
    assert time.monotonic() - started < 15  # the process start-up included


def test_a_database_with_pending_migrations_fails(kembar: Run, tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    sqlite3.connect(path).close()  # a database nobody migrated
    result = kembar("check", database_url=f"sqlite://{path}")
    assert result.returncode == 1
    database = lines(result.stdout)["database"]
    assert database.startswith("✗")
    assert "pending (0001_initial" in database and "run `kembar migrate`" in database


def test_a_database_migrated_by_a_newer_release_fails(kembar: Run, tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'newer.sqlite3'}"
    assert kembar("migrate", database_url=url).returncode == 0
    with sqlite3.connect(tmp_path / "newer.sqlite3") as conn:
        conn.execute(
            "INSERT INTO tortoise_migrations (app, name, applied_at) "
            "VALUES ('kembar', '9999_from_the_future', '2030-01-01 00:00:00')"
        )
    result = kembar("check", database_url=url)
    assert result.returncode == 1
    assert "9999_from_the_future" in lines(result.stdout)["database"]
    assert "newer release" in lines(result.stdout)["database"]


def test_a_missing_sqlite_file_fails_without_creating_it(kembar: Run, tmp_path: Path) -> None:
    path = tmp_path / "nothing-here.sqlite3"
    result = kembar("check", database_url=f"sqlite://{path}")
    assert result.returncode == 1
    assert "no database file" in lines(result.stdout)["database"]
    assert not path.exists()


def test_bad_usage_exits_2(kembar: Run) -> None:
    result = kembar("check", "--timeout", "-1")
    assert result.returncode == 2
    assert "--timeout" in result.stderr


def test_a_skipped_check_does_not_run(kembar: Run, migrated: str) -> None:
    """The relay's container healthcheck skips SMTP, which the relay never uses."""
    result = kembar(
        "check", "--skip", "smtp", database_url=migrated,
        smtp_host="127.0.0.1", smtp_port=str(free_port()),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skipped (--skip smtp)" in lines(result.stdout)["smtp"]
    assert kembar("check", "--skip", "dns").returncode == 2
