"""Pure ASGI middleware: bind a correlation id per request (from X-Request-ID or X-Correlation-ID
when it looks like an id, else fresh); the response carries it as X-Request-ID."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import correlation

HEADER = b"x-request-id"
ALTERNATE = b"x-correlation-id"  # accepted too; X-Request-ID wins when both come
_VALID = re.compile(rb"^[A-Za-z0-9._-]{1,64}$")


class CorrelationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(HEADER) or headers.get(ALTERNATE) or b""
        token = correlation.bind(given.decode() if _VALID.match(given) else None)
        value = correlation.current().encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (HEADER, value)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            correlation.reset(token)
