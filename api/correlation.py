"""Pure ASGI middleware: bind a correlation id per request (from X-Request-ID or fresh)."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import correlation

HEADER = b"x-request-id"
_VALID = re.compile(rb"^[A-Za-z0-9._-]{1,64}$")


class CorrelationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(HEADER, b"")
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
