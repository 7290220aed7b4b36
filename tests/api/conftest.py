"""API tests: the real ASGI app over httpx, sharing the test database opened by conftest.

``gql`` calls as an admin (so tests about behaviour see everything); ``client_as`` gives a
client for any role, or anonymous.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from api.app import create_app
from core.policy import Role
from core.services import accounts
from core.settings import Settings


class GraphQLClient:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = client

    async def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        """POST a query; returns the whole JSON response (data and errors)."""
        response = await self.http.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code in (200, 400), response.text
        return response.json()

    async def ok(self, query: str, **variables: Any) -> dict[str, Any]:
        """``data`` of a query that must not produce GraphQL errors."""
        body = await self(query, **variables)
        assert "errors" not in body, body["errors"]
        return body["data"]


def api_settings(db: str, **overrides: Any) -> Settings:
    """Settings for API tests: no rate limits unless a test sets them."""
    values: dict[str, Any] = {
        "database_url": db,
        "rate_limit_per_minute": 0,
        "rate_limit_ip_per_minute": 0,
        **overrides,
    }
    return Settings(**values)


async def issue_token(role: Role, *, regions: tuple[int, ...] = (), email: str = "") -> str:
    """A fresh account of ``role`` and a token for it."""
    account = await accounts.create_account(
        email=email or f"{role.value}-{len(regions)}-{id(regions)}@kembar.test",
        role=role,
        region_ids=list(regions),
        actor="tests",
    )
    issued = await accounts.create_token(account_id=account.id, actor="tests")
    return issued.secret


@contextlib.asynccontextmanager
async def open_client(
    settings: Settings, token: str | None = None
) -> AsyncIterator[GraphQLClient]:
    app = create_app(settings, manage_db=False)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://kembar.test", headers=headers
    ) as client:
        yield GraphQLClient(client)
    if app.state.rate_counter is not None:  # the lifespan would close it; tests skip lifespan
        await app.state.rate_counter.aclose()


ClientFactory = Callable[..., Awaitable[GraphQLClient]]


@pytest.fixture
async def client_as(db: str) -> AsyncIterator[ClientFactory]:
    """``await client_as(Role.OFFICER, regions=(bandung_id,))``; ``await client_as(None)`` is
    anonymous."""
    stack = contextlib.AsyncExitStack()

    async def make(
        role: Role | None, *, regions: tuple[int, ...] = (), **settings: Any
    ) -> GraphQLClient:
        token = await issue_token(role, regions=regions) if role is not None else None
        return await stack.enter_async_context(open_client(api_settings(db, **settings), token))

    async with stack:
        yield make


@pytest.fixture
async def gql(client_as: ClientFactory) -> GraphQLClient:
    """A client with an admin's token."""
    return await client_as(Role.ADMIN)
