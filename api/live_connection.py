"""One graphql-transport-ws connection: a cap on the operations it runs at once, and its token
checked again while it is open.

The cap (``live_subscriptions_per_connection``) keeps one client from taking every live
subscription of the process; the one over it is refused with ``TOO_MANY_SUBSCRIPTIONS``. The
principal is fixed at ``connection_init``; at the first message (or new operation) after
``live_reauth_seconds`` the token is checked again, and a revoked or expired one, or a deactivated
account, ends the operation with ``UNAUTHENTICATED`` instead of delivering the message (and every
later operation of the connection likewise).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from graphql import GraphQLError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message, SubscribeMessage

from api import auth
from schema.context import Context
from schema.subscriptions import LiveCode, live_error

log = logging.getLogger("kembar.live")


class LiveConnection(BaseGraphQLTransportWSHandler[Context, None]):
    """strawberry's graphql-transport-ws handler with a typed per-connection cap and re-checks
    of the connection's token."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reauth_seconds: float = self.view.settings.live_reauth_seconds
        self.checked_at = time.monotonic()
        self.lapsed: GraphQLError | None = None  # set once the token is no longer valid

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged and message["id"] not in self.operations:
            refused = await self._refusal()
            if refused is not None:
                await self.send_message(
                    {"id": message["id"], "type": "error", "payload": [refused.formatted]}
                )
                return
        await super().handle_subscribe(message)

    async def _refusal(self) -> GraphQLError | None:
        limit = self.max_subscriptions_per_connection
        if limit is not None and len(self.operations) >= limit:
            return live_error(
                LiveCode.TOO_MANY_SUBSCRIPTIONS,
                f"this connection runs {limit} operations already: complete one first",
            )
        return await self._lapsed()

    async def send_message(self, message: Message) -> None:
        if message["type"] == "next":
            lapsed = await self._lapsed()
            if lapsed is not None:
                await self._end(message["id"], lapsed)
                return
        await super().send_message(message)

    async def _lapsed(self) -> GraphQLError | None:
        """The error ending this connection's operations, once its token is no longer valid;
        checks again when the interval has passed since the last check."""
        if self.lapsed is not None or not self.context.principal.authenticated:
            return self.lapsed
        if time.monotonic() - self.checked_at < self.reauth_seconds:
            return None
        try:
            await auth.principal_for(auth.from_connection_params(self.context.connection_params))
        except auth.InvalidToken:
            self.lapsed = live_error(
                LiveCode.UNAUTHENTICATED,
                "your token was revoked or has expired, or your account was deactivated: "
                "sign in again",
            )
            return self.lapsed
        except Exception:  # e.g. the database is unreachable: end rather than deliver unchecked
            log.exception("cannot check a live connection's token again")
            return live_error(
                LiveCode.UNAVAILABLE, "your token cannot be checked now: subscribe again"
            )
        self.checked_at = time.monotonic()
        return None

    async def _end(self, operation_id: str, error: GraphQLError) -> None:
        """Send ``error`` for the operation instead of its message, and stop it (it is the task
        sending: it stops at its next wait, closing its subscription)."""
        operation = self.operations.pop(operation_id, None)
        refusal: Message = {"id": operation_id, "type": "error", "payload": [error.formatted]}
        await super().send_message(refusal)
        if operation is not None:
            operation.completed = True
            if operation.task is not None:
                operation.task.cancel()
