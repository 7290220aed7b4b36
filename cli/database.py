"""Run a coroutine with the database open, for commands that touch it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from cli.startup import settings_or_exit
from core.db import close_db, init_db

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

    return asyncio.run(main())
