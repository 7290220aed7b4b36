"""Run a coroutine with the database open, for commands that touch it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import typer
from tortoise.exceptions import ConfigurationError, DBConnectionError

from cli.startup import settings_or_exit
from core.db import close_db, init_db
from core.settings import Settings

T = TypeVar("T")


def with_database(work: Callable[[], Awaitable[T]]) -> T:
    """Open the configured database, run ``work``, close it; returns what ``work`` returned."""

    settings = settings_or_exit()

    async def main() -> T:
        await init_db(settings.database_url, pool_max=settings.db_pool_max)
        try:
            return await work()
        finally:
            await close_db()

    with database_errors_reported(settings):
        return asyncio.run(main())


@contextmanager
def database_errors_reported(settings: Settings) -> Iterator[None]:
    """An unreachable database or a wrong URL ends the command with one line and exit code 1,
    not a traceback."""
    try:
        yield
    except (OSError, ConfigurationError, DBConnectionError) as error:
        where = settings.database_url.split("@")[-1]
        typer.echo(f"kembar: cannot use the database {where}: {error}", err=True)
        raise typer.Exit(1) from None
