"""`kembar serve`: the API (and, with no Redis configured, the relay and workers in-process)."""

from __future__ import annotations

import typer
import uvicorn

from cli.startup import start
from core import logs
from core.settings import get_settings


def serve(
    host: str = typer.Option(None, help="Interface to bind (default: KEMBAR_HOST, 127.0.0.1)"),
    port: int = typer.Option(None, help="Port (default: KEMBAR_PORT, 8000)"),
    workers: int = typer.Option(1, help="uvicorn worker processes (PostgreSQL + Redis only)"),
) -> None:
    """Serve GraphQL at /graphql. On the embedded default (SQLite) it migrates the database and
    seeds the demo partnerships first, so one command shows the whole product."""
    settings = start("api")
    if workers != 1 and (settings.is_sqlite or settings.redis_url is None):
        raise typer.BadParameter(
            "one process only on SQLite or without Redis (in-process workers); "
            "set KEMBAR_DATABASE_URL to PostgreSQL and KEMBAR_REDIS_URL to scale",
            param_hint="--workers",
        )
    if settings.is_sqlite:
        _prepare_embedded()
    app: object = "api.main:app"  # with several processes, each imports it
    if settings.redis_url is None:
        from api.app import create_app
        from workers.embedded import running

        app = create_app(settings, background=running)
        typer.echo("no KEMBAR_REDIS_URL: the relay and workers run inside this process")
    uvicorn.run(
        app,  # type: ignore[arg-type]
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level.lower(),
        log_config=logs.dict_config(settings, role="api"),  # applied in every uvicorn process
        proxy_headers=False,
    )


def _prepare_embedded() -> None:
    """Migrate the embedded database and seed the demo into it when it is empty."""
    from cli import migrate
    from cli.database import with_database
    from core.demo import seed_demo

    migrate.apply()
    if get_settings().demo_data and with_database(seed_demo):
        typer.echo("seeded the demo partnerships")
