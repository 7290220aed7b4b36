"""`kembar serve`: the API (and, with no Redis configured, the relay and workers in-process)."""

from __future__ import annotations

import asyncio

import typer
import uvicorn

from core.settings import get_settings


def serve(
    host: str = typer.Option(None, help="Interface to bind (default: KEMBAR_HOST, 127.0.0.1)"),
    port: int = typer.Option(None, help="Port (default: KEMBAR_PORT, 8000)"),
    workers: int = typer.Option(1, help="uvicorn worker processes (PostgreSQL + Redis only)"),
) -> None:
    """Serve GraphQL at /graphql. On the embedded default (SQLite) it migrates the database and
    seeds the demo partnerships first, so one command shows the whole product."""
    settings = get_settings()
    if settings.is_sqlite:
        if workers != 1:
            raise typer.BadParameter(
                "SQLite runs one process; use PostgreSQL to scale", param_hint="--workers"
            )
        asyncio.run(_prepare_embedded())
    uvicorn.run(
        "api.main:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level="info",
        proxy_headers=False,
    )


async def _prepare_embedded() -> None:
    from core.countries import ensure_countries
    from core.db import close_db, init_db, migrate
    from core.demo import seed_demo

    settings = get_settings()
    await migrate(settings.database_url)
    await init_db(settings.database_url)
    try:
        await ensure_countries()
        if settings.demo_data and await seed_demo():
            typer.echo("seeded the demo partnerships")
    finally:
        await close_db()
