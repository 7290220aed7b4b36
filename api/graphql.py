"""Strawberry's ASGI view, with Kembar's per-request context, authentication, and GraphQL over
HTTP media types (``application/graphql-response+json`` when the client accepts it), metrics
labels (operation name, error codes) and a GraphiQL page whose assets Kembar serves itself."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from cross_web import HTTPException
from graphql import ExecutionResult
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLRequestData
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.graphql import OperationType

from api import auth, metrics
from api.live_connection import LiveConnection
from api.media import GRAPHQL_RESPONSE_JSON, JSON, is_request_error, response_type
from core.fanout import Fanout
from core.settings import Settings
from schema import schema
from schema.context import Context
from schema.loaders import Loaders

GRAPHIQL_STATIC = "/static/graphiql"
# strawberry's graphiql.html loads these from unpkg; api/static/graphiql holds the same files,
# byte for byte (their SRI hashes match), taken from the npm packages (see its README.md).
GRAPHIQL_ASSETS = {
    "https://unpkg.com/react@18.2.0/umd/react.production.min.js": "react/react.production.min.js",
    "https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js": (
        "react-dom/react-dom.production.min.js"
    ),
    "https://unpkg.com/js-cookie@3.0.5/dist/js.cookie.min.js": "js-cookie/js.cookie.min.js",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.css": "graphiql/graphiql.min.css",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.js": "graphiql/graphiql.min.js",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css": (
        "plugin-explorer/style.css"
    ),
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js": (
        "plugin-explorer/index.umd.js"
    ),
}
_SRI = re.compile(r'\s+integrity="[^"]*"|\s+crossorigin(?=[\s>/])')


@cache
def offline_graphiql_html() -> str:
    """strawberry's GraphiQL page with every CDN URL replaced by Kembar's copy (no SRI or
    crossorigin attributes: the files are same-origin). A strawberry upgrade that changes the
    asset versions leaves CDN URLs in the page; tests/api/test_graphiql_offline.py catches it."""
    html = get_graphql_ide_html("graphiql")
    for cdn, local in GRAPHIQL_ASSETS.items():
        html = html.replace(f'"{cdn}"', f'"{GRAPHIQL_STATIC}/{local}"')
    return _SRI.sub("", html)


class KembarGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = LiveConnection

    def __init__(self, settings: Settings, live: Fanout | None = None) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
            max_subscriptions_per_connection=settings.live_subscriptions_per_connection,
        )
        self.settings = settings
        self.live = live  # the fan-out of live subscriptions (None: not served here)

    @property
    def graphql_ide_html(self) -> str:
        return offline_graphiql_html()

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
            live=self.live,
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

    async def execute_operation(self, **kwargs: Any) -> Any:  # type: ignore[override]
        request_data = kwargs.get("request_data")
        if isinstance(request_data, GraphQLRequestData):
            metrics.note_operation(
                kwargs["request"], request_data.query, request_data.operation_name
            )
        return await super().execute_operation(**kwargs)

    async def execute_single(  # type: ignore[override]
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Context,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> Any:
        """strawberry's, but without subscriptions: over plain HTTP a subscription would resolve
        to null (an internal error); they run over graphql-transport-ws, so HTTP gets a 400."""
        allowed = OperationType.from_http(request_adapter.method) - {OperationType.SUBSCRIPTION}
        if not self.allow_queries_via_get and request_adapter.method == "GET":
            allowed -= {OperationType.QUERY}
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason()) from exc
        except InvalidOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason(request_adapter.method)) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "No GraphQL query found in the request") from exc

    async def process_result(self, request: Any, result: ExecutionResult) -> Any:
        data = await super().process_result(request, result)
        metrics.note_errors(request, data)
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
