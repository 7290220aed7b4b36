"""Run a coroutine with the database open, for commands that touch it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from core.db import close_db, init_db
from core.settings import get_settings

T = TypeVar("T")


def with_database(work: Callable[[], Awaitable[T]]) -> T:
    """Open the configured database, run ``work``, close it; returns what ``work`` returned."""

    async def main() -> T:
        settings = get_settings()
        await init_db(settings.database_url, pool_max=settings.db_pool_max)
        try:
            return await work()
        finally:
            await close_db()

    return asyncio.run(main())
