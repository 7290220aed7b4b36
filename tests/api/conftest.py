"""API tests: the real ASGI app over httpx, sharing the test database opened by conftest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.app import create_app
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


@pytest.fixture
async def gql(db: str) -> AsyncIterator[GraphQLClient]:
    app = create_app(Settings(database_url=db), manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kembar.test") as client:
        yield GraphQLClient(client)
