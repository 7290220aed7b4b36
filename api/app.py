"""Compose the Starlette application in one constructor."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

from api.correlation import CorrelationMiddleware
from api.graphql import KembarGraphQL
from core.db import close_db, init_db
from core.settings import Settings, get_settings


async def healthz(request: Request) -> JSONResponse:
    """The process is up (no dependency is checked)."""
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings | None = None, *, manage_db: bool = True) -> Starlette:
    """The ASGI app. ``manage_db=False`` leaves opening the database to the caller (tests)."""
    settings = settings or get_settings()
    graphql = KembarGraphQL(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_db:
            await init_db(settings.database_url, pool_max=settings.db_pool_max)
        try:
            yield
        finally:
            if manage_db:
                await close_db()

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
        ],
        middleware=[Middleware(CorrelationMiddleware)],
        lifespan=lifespan,
    )
