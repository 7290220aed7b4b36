"""Compose the Starlette application in one constructor."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

from api.bodylimit import BodyLimitMiddleware
from api.correlation import CorrelationMiddleware
from api.graphql import KembarGraphQL
from api.ratelimit import RateLimitMiddleware, RedisCounter
from core.db import close_db, init_db
from core.settings import Settings, get_settings


async def healthz(request: Request) -> JSONResponse:
    """The process is up (no dependency is checked)."""
    return JSONResponse({"status": "ok"})


Background = Callable[[Settings], AbstractAsyncContextManager[object]]


def create_app(
    settings: Settings | None = None,
    *,
    manage_db: bool = True,
    background: Background | None = None,
) -> Starlette:
    """The ASGI app. ``manage_db=False`` leaves opening the database to the caller (tests);
    ``background`` runs beside the app once the database is open (the embedded relay and workers,
    composed by ``kembar serve``)."""
    settings = settings or get_settings()
    graphql = KembarGraphQL(settings)
    counter = RedisCounter(settings.redis_url) if settings.redis_url else None

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_db:
            await init_db(settings.database_url, pool_max=settings.db_pool_max)
        try:
            async with contextlib.AsyncExitStack() as stack:
                if background is not None:
                    await stack.enter_async_context(background(settings))
                yield
        finally:
            if manage_db:
                await close_db()
            if counter is not None:
                await counter.aclose()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
        ],
        middleware=[
            Middleware(CorrelationMiddleware),
            Middleware(
                RateLimitMiddleware,
                per_token=settings.rate_limit_per_minute,
                per_ip=settings.rate_limit_ip_per_minute,
                counter=counter,
            ),
            Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
        ],
        lifespan=lifespan,
    )
    app.state.rate_counter = counter
    return app
