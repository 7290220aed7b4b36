"""Strawberry's ASGI view, with Kembar's per-request context."""

from __future__ import annotations

from typing import Any

from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from core.settings import Settings
from schema import schema
from schema.context import Context
from schema.loaders import Loaders


class KembarGraphQL(GraphQL[Context, None]):
    def __init__(self, settings: Settings) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
        )
        self.settings = settings

    async def get_context(self, request: Any, response: Any = None) -> Context:
        return Context(
            actor="anonymous",
            page_size_max=self.settings.page_size_max,
            loaders=Loaders(),
            request=request,
            response=response,
        )
