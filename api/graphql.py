"""Strawberry's ASGI view, with Kembar's per-request context, authentication, and GraphQL over
HTTP media types (``application/graphql-response+json`` when the client accepts it)."""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from graphql import ExecutionResult
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from api import auth
from api.media import GRAPHQL_RESPONSE_JSON, JSON, is_request_error, response_type
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
        principal = auth.ANONYMOUS
        if isinstance(request, Request):  # HTTP; websockets authenticate in on_ws_connect
            try:
                principal = await auth.principal_for(
                    auth.bearer(request.headers.get("authorization"))
                )
            except auth.InvalidToken as exc:
                raise HTTPException(401, "invalid, expired or revoked token") from exc
            request.state.graphql_response = response
        return Context(
            actor=principal.actor,
            page_size_max=self.settings.page_size_max,
            loaders=Loaders(),
            request=request,
            response=response,
            principal=principal,
            introspection=self.settings.introspection_enabled,
            cost_limit=self.settings.query_cost_limit,
        )

    async def on_ws_connect(self, context: Context) -> Any:
        """The token comes in the connection_init payload; a bad one closes with 4403."""
        try:
            principal = await auth.principal_for(
                auth.from_connection_params(context.connection_params)
            )
        except auth.InvalidToken as exc:
            raise ConnectionRejectionError from exc
        context.principal, context.actor = principal, principal.actor
        return await super().on_ws_connect(context)

    async def process_result(self, request: Any, result: ExecutionResult) -> Any:
        data = await super().process_result(request, result)
        media = response_type(request.headers.get("accept"))
        sub_response = getattr(request.state, "graphql_response", None)
        if sub_response is not None:
            sub_response.media_type = media
            if media == GRAPHQL_RESPONSE_JSON and is_request_error(result):
                sub_response.status_code = 400
        if is_request_error(result):
            data.pop("data", None)  # the request failed before execution: no data entry
        return data

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        response = Response(
            self.encode_json(response_data),
            status_code=sub_response.status_code or 200,
            media_type=getattr(sub_response, "media_type", None) or JSON,
        )
        response.headers.raw.extend(
            (k, v) for k, v in sub_response.headers.raw if k.lower() != b"content-type"
        )
        if sub_response.background:
            response.background = sub_response.background
        return response
