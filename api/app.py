"""Compose the Starlette application in one constructor."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from api.bodylimit import BodyLimitMiddleware
from api.correlation import CorrelationMiddleware
from api.graphql import GRAPHIQL_STATIC, KembarGraphQL
from api.health import healthz, readyz
from api.metrics import Metrics, MetricsMiddleware, metrics_endpoint
from api.ratelimit import RateLimitMiddleware, RedisCounter
from core.db import close_db, init_db
from core.fanout import fanout_for
from core.settings import Settings, get_settings

GRAPHIQL_ASSETS_DIR = Path(__file__).parent / "static" / "graphiql"


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
    live = fanout_for(
        redis_url=settings.redis_url,
        stream=settings.events_stream,
        max_subscriptions=settings.live_subscriptions_max,
        queue_size=settings.live_queue_size,
    )
    graphql = KembarGraphQL(settings, live)
    counter = RedisCounter(settings.redis_url) if settings.redis_url else None
    metrics = Metrics()  # this process's registry (each uvicorn worker has its own)
    metrics.watch_live(live)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_db:
            await init_db(settings.database_url, pool_max=settings.db_pool_max)
        try:
            async with contextlib.AsyncExitStack() as stack:
                await live.start()
                stack.push_async_callback(live.stop)
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
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
            Mount(GRAPHIQL_STATIC, StaticFiles(directory=GRAPHIQL_ASSETS_DIR), name="graphiql"),
        ],
        middleware=[
            Middleware(MetricsMiddleware, metrics=metrics),
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
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.live = live
    return app
