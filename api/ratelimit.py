"""Pure ASGI middleware: per-token and per-IP request limits (fixed one-minute windows).

Counters live in Redis when one is configured (shared by every API process), else in this
process (the embedded default runs one). Over a limit: HTTP 429 with ``Retry-After``. If Redis
fails, the in-process counters take over rather than letting everything through or nothing.
Opening a websocket (live subscriptions) counts as one request of its IP address (its token comes
later, in ``connection_init``); over the limit it is refused before it opens: with the 429 where
the server supports the denial-response extension (uvicorn does), else closed with 1008.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from typing import Any, Protocol

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

log = logging.getLogger("kembar.ratelimit")
WINDOW = 60  # seconds


class Counter(Protocol):
    async def hit(self, key: str, window_start: int) -> int:
        """Count one request for ``key`` in the window; the count so far."""


class MemoryCounter:
    def __init__(self) -> None:
        self.counts: dict[str, tuple[int, int]] = {}

    async def hit(self, key: str, window_start: int) -> int:
        start, count = self.counts.get(key, (window_start, 0))
        count = count + 1 if start == window_start else 1
        self.counts[key] = (window_start, count)
        if len(self.counts) > 100_000:  # drop finished windows
            self.counts = {k: v for k, v in self.counts.items() if v[0] == window_start}
        return count


class RedisCounter:
    def __init__(self, url: str) -> None:
        self.url = url
        self.client: Any = None

    async def hit(self, key: str, window_start: int) -> int:
        if self.client is None:
            import redis.asyncio as redis

            self.client = redis.Redis.from_url(self.url, socket_timeout=0.5)
        name = f"kembar:ratelimit:{key}:{window_start}"
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, WINDOW * 2)
            count, _ = await pipe.execute()
        return int(count)

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()
            self.client = None


def limited(retry_after: int, what: str) -> JSONResponse:
    return JSONResponse(
        {
            "errors": [
                {
                    "message": f"too many requests for this {what}; retry in {retry_after} s",
                    "extensions": {"code": "RATE_LIMITED", "retryAfter": retry_after},
                }
            ]
        },
        status_code=429,
        headers={"Retry-After": str(retry_after)},
    )


def token_key(authorization: bytes) -> str | None:
    """A short digest of the bearer credentials (never the token itself)."""
    if not authorization:
        return None
    return hashlib.sha256(authorization.strip()).hexdigest()[:32]


class RateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        per_token: int,
        per_ip: int,
        counter: Counter | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.per_token = per_token
        self.per_ip = per_ip
        self.memory = MemoryCounter()
        self.counter: Counter = counter or self.memory
        self.clock = clock

    async def _hit(self, key: str, window_start: int) -> int:
        try:
            return await self.counter.hit(key, window_start)
        except Exception:  # Redis down: keep limiting, per process
            log.warning("rate limit counters unavailable; counting in this process")
            return await self.memory.hit(key, window_start)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope.get("path") != "/graphql":
            await self.app(scope, receive, send)
            return
        now = self.clock()
        window_start = int(now // WINDOW * WINDOW)
        retry_after = max(1, math.ceil(window_start + WINDOW - now))
        client = scope.get("client")
        ip = client[0] if client else "unknown"
        checks = [("IP address", f"ip:{ip}", self.per_ip)]
        key = token_key(dict(scope.get("headers") or []).get(b"authorization", b""))
        if key is not None:
            checks.append(("token", f"token:{key}", self.per_token))
        if scope["type"] == "websocket":
            checks = checks[:1]
        for what, name, limit in checks:
            if limit > 0 and await self._hit(name, window_start) > limit:
                await _refuse(limited(retry_after, what), scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _refuse(response: JSONResponse, scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "http":
        await response(scope, receive, send)
    elif "websocket.http.response" in scope.get("extensions", {}):
        await WebSocket(scope, receive, send).send_denial_response(response)
    else:
        await WebSocket(scope, receive, send).close(code=1008, reason="rate limited")
