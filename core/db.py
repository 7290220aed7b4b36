"""Database configuration, connection lifecycle and migrations (Tortoise ORM)."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise
from tortoise.migrations.api import migrate as run_migrations

from core.models import MODEL_MODULES

APP = "kembar"


def tortoise_config(database_url: str, *, pool_max: int = 10) -> dict[str, Any]:
    """The Tortoise config for one database URL (``sqlite://PATH`` or ``postgres://...``)."""
    connection: Any = database_url
    if database_url.startswith("sqlite"):
        path = database_url.split("://", 1)[1] or ":memory:"
        connection = {
            "engine": "tortoise.backends.sqlite",
            "credentials": {"file_path": path, "journal_mode": "WAL", "foreign_keys": "ON"},
        }
    elif "maxsize=" not in database_url:
        sep = "&" if "?" in database_url else "?"
        connection = f"{database_url}{sep}minsize=1&maxsize={pool_max}"
    return {
        "connections": {"default": connection},
        "apps": {
            APP: {
                "models": MODEL_MODULES,
                "migrations": "core.migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def init_db(database_url: str, *, pool_max: int = 10) -> None:
    """Open the connections for this process (visible to every task, as workers need)."""
    await Tortoise.init(
        config=tortoise_config(database_url, pool_max=pool_max), _enable_global_fallback=True
    )


async def close_db() -> None:
    await Tortoise.close_connections()


async def migrate(database_url: str) -> None:
    """Apply every migration that the database has not seen yet."""
    try:
        await run_migrations(config=tortoise_config(database_url, pool_max=2))
    finally:
        await Tortoise.close_connections()


# For `tortoise makemigrations` (models only; the URL is never connected to by makemigrations).
MIGRATION_CONFIG = tortoise_config("sqlite://:memory:")
