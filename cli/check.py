"""`kembar check`: can this configuration run Kembar? The database answers and its migrations are
current, Redis answers PING (when configured), the SMTP server greets us (when configured). Each
check is bounded by a timeout; one line per check; exit code 0 when all pass, 1 otherwise.

Unlike ``/readyz`` (whose answers reach the network and so name only the error's type), this
prints each error's message: it is read by the operator on the host."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiosmtplib
import redis.asyncio as aioredis
import typer
from rich.console import Console
from rich.markup import escape
from tortoise import connections
from tortoise.migrations.executor import MigrationExecutor

from cli.startup import settings_or_exit
from core.db import APP, close_db, init_db, tortoise_config
from core.settings import Settings

PASS, SKIP, FAIL = "ok", "skipped", "failed"
MARKS = {PASS: "[green]✓[/]", SKIP: "[yellow]-[/]", FAIL: "[red]✗[/]"}


class CheckFailed(Exception):
    """A check's own finding (shown without an exception type)."""


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    status: str  # PASS | SKIP | FAIL
    detail: str


async def _bounded(name: str, work: Callable[[], Awaitable[str]], seconds: float) -> Result:
    try:
        async with asyncio.timeout(seconds):
            return Result(name, PASS, await work())
    except TimeoutError:
        return Result(name, FAIL, f"no answer within {seconds:g} s")
    except CheckFailed as finding:
        return Result(name, FAIL, str(finding))
    except Exception as exc:  # every failure is reported, none escapes as a traceback
        message = " ".join(str(exc).split())[:300]
        return Result(name, FAIL, f"{type(exc).__name__}: {message}" if message else repr(exc))


async def check_database(settings: Settings) -> str:
    """Connect, ``SELECT 1``, and compare the applied migrations with this code's."""
    if settings.is_sqlite:
        path = Path(settings.database_url.split("://", 1)[1])
        if not await asyncio.to_thread(path.is_file):  # SQLite would create an empty one
            raise CheckFailed(f"no database file {path}: run `kembar migrate`")
    await init_db(settings.database_url, pool_max=1)
    try:
        connection = connections.get("default")
        await connection.execute_query("SELECT 1")
        apps = {APP: tortoise_config(settings.database_url)["apps"][APP]}
        executor = MigrationExecutor(connection, apps)
        pending = [step.migration.name for step in await executor.plan() if not step.backward]
        known = {key.name for key in executor.loader.graph.nodes if key.app_label == APP}
        recorded = await executor.recorder.applied_migrations()
        applied = [key.name for key in recorded if key.app_label == APP]
    finally:
        await close_db()
    unknown = sorted(set(applied) - known)
    if unknown:
        raise CheckFailed(
            f"the database has migrations this code does not know ({', '.join(unknown)}): "
            "it was migrated by a newer release"
        )
    if pending:
        raise CheckFailed(
            f"{len(pending)} migration(s) pending ({', '.join(pending)}): run `kembar migrate`"
        )
    where = settings.database_url.split("@")[-1]
    return f"{where}: SELECT 1 answered; {len(applied)} migrations applied, none pending"


async def check_redis(settings: Settings) -> str:
    """``PING`` on a fresh connection."""
    assert settings.redis_url is not None
    client = aioredis.Redis.from_url(settings.redis_url, socket_connect_timeout=5)
    try:
        await client.ping()
    finally:
        await client.aclose()
    return f"{settings.redis_url.split('@')[-1]}: PING answered"


async def check_smtp(settings: Settings) -> str:
    """Connect (TLS or STARTTLS as configured), EHLO, log in when a user is set, NOOP, QUIT."""
    assert settings.smtp_host is not None
    smtp = aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        use_tls=settings.smtp_tls == "tls",
        start_tls=settings.smtp_tls == "starttls",
        timeout=settings.smtp_timeout_seconds,
    )
    await smtp.connect()
    try:
        await smtp.ehlo()
        if settings.smtp_username:
            await smtp.login(settings.smtp_username, settings.smtp_password or "")
        await smtp.noop()
    finally:
        smtp.close()
    return f"{settings.smtp_host}:{settings.smtp_port}: EHLO and NOOP answered"


CHECKS = ("database", "redis", "smtp")


async def run_checks(
    settings: Settings, *, seconds: float, skip: frozenset[str] = frozenset()
) -> list[Result]:
    """Every check (but those in ``skip``), concurrently, each within ``seconds``."""
    if "database" in skip:
        database = _skipped("database", "skipped (--skip database)")
    else:
        database = _bounded("database", lambda: check_database(settings), seconds)
    if "redis" in skip:
        redis_check = _skipped("redis", "skipped (--skip redis)")
    elif settings.redis_url:
        redis_check = _bounded("redis", lambda: check_redis(settings), seconds)
    else:
        redis_check = _skipped("redis", "embedded (no KEMBAR_REDIS_URL: workers run in-process)")
    if "smtp" in skip:
        smtp_check = _skipped("smtp", "skipped (--skip smtp)")
    elif settings.smtp_host:
        smtp_check = _bounded("smtp", lambda: check_smtp(settings), seconds)
    else:
        smtp_check = _skipped("smtp", "not configured (no KEMBAR_SMTP_HOST: no e-mail)")
    return list(await asyncio.gather(database, redis_check, smtp_check))


async def _skipped(name: str, why: str) -> Result:
    return Result(name, SKIP, why)


def check(
    timeout: float = typer.Option(5.0, min=0.1, help="seconds each check may take"),
    skip: list[str] = typer.Option(
        [], help="a check not to run: database, redis or smtp (repeatable)"
    ),
) -> None:
    """Check the database (reachable, migrations current), Redis and SMTP. Exit code 0 when all
    pass, 1 when any fails."""
    unknown = set(skip) - set(CHECKS)
    if unknown:
        names = ", ".join(sorted(unknown))
        raise typer.BadParameter(f"no check named {names}", param_hint="--skip")
    settings = settings_or_exit()
    results = asyncio.run(run_checks(settings, seconds=timeout, skip=frozenset(skip)))
    console = Console(highlight=False, soft_wrap=True)
    for result in results:
        console.print(f"{MARKS[result.status]} {result.name:<8} {escape(result.detail)}")
    if any(result.status == FAIL for result in results):
        raise typer.Exit(1)
