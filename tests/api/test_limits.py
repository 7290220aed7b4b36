"""Each limit hit once, with its own error code (and HTTP status where it has one)."""

from __future__ import annotations

import logging
import os
import uuid

import pytest
import redis

from api.ratelimit import RateLimitMiddleware, RedisCounter
from core.policy import Role
from core.services import cities
from schema.build import MAX_TOKENS
from schema.limits.rules import MAX_ALIASES, MAX_DEPTH
from tests import factories
from tests.api.conftest import ClientFactory

REDIS_URL = os.environ.get("KEMBAR_TEST_REDIS", "redis://127.0.0.1:6379/15")


def codes(body: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


async def test_depth_limit(gql) -> None:
    nested = "parent { " * (MAX_DEPTH + 1) + "id" + " }" * (MAX_DEPTH + 1)
    body = await gql("{ cities(first: 1) { edges { node { " + nested + " } } } }")
    assert codes(body) == ["DEPTH_LIMIT"]
    assert "data" not in body


async def test_alias_limit(gql) -> None:
    fields = " ".join(f"a{i}: __typename" for i in range(MAX_ALIASES + 1))
    body = await gql("{ " + fields + " }")
    assert codes(body) == ["ALIAS_LIMIT"]


async def test_token_limit(gql) -> None:
    body = await gql("{ " + "__typename " * (MAX_TOKENS + 1) + "}")
    assert codes(body) == ["TOKEN_LIMIT"]


async def test_page_size_limit_is_refused_before_execution(gql) -> None:
    body = await gql("{ partnerships(first: 101) { totalCount } }")
    assert codes(body) == ["PAGE_SIZE_LIMIT"]
    assert body["errors"][0]["extensions"]["field"] == "first"
    body = await gql("query($n: Int) { cities(last: $n) { totalCount } }", n=500)
    assert codes(body) == ["PAGE_SIZE_LIMIT"]


async def test_cost_is_reported_and_capped(gql) -> None:
    await factories.pair()
    small = await gql("{ partnerships(first: 10) { edges { node { id programs { id } } } } }")
    assert "errors" not in small
    # partnerships 10 + edges 10 + nodes 10 + programs 10 x 10
    assert small["extensions"]["cost"] == {"requested": 130, "limit": 10_000}
    big = await gql(
        """{ cities(first: 100) { edges { node { partnerships { programs {
             activities { id } } } } } } }"""
    )
    assert codes(big) == ["COST_LIMIT"]
    assert big["errors"][0]["extensions"]["requested"] > big["errors"][0]["extensions"]["limit"]
    assert big["extensions"]["cost"]["requested"] > 10_000
    assert "data" not in big


async def test_cost_counts_fragments_and_variables(gql) -> None:
    body = await gql(
        """query($n: Int) { cities(first: $n) { ...page } }
           fragment page on CityConnection { edges { node { parent { id } } } }""",
        n=50,
    )
    assert body["extensions"]["cost"]["requested"] == 50 + 50 + 50 + 50


async def test_rate_limit_per_ip_gives_429_with_retry_after(client_as: ClientFactory) -> None:
    client = await client_as(None, rate_limit_ip_per_minute=3)
    statuses = [
        (await client.http.post("/graphql", json={"query": "{ __typename }"})).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    refused = await client.http.post("/graphql", json={"query": "{ __typename }"})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert codes(refused.json()) == ["RATE_LIMITED"]
    assert (await client.http.get("/healthz")).status_code == 200  # only /graphql is limited


async def test_rate_limit_per_token(client_as: ClientFactory) -> None:
    client = await client_as(Role.VIEWER, rate_limit_per_minute=2)
    for _ in range(2):
        assert (await client.http.post("/graphql", json={"query": "{ me { email } }"})).is_success
    refused = await client.http.post("/graphql", json={"query": "{ me { email } }"})
    assert refused.status_code == 429
    assert "token" in refused.json()["errors"][0]["message"]


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")


@pytest.mark.redis
async def test_rate_limit_shared_through_redis(client_as: ClientFactory) -> None:
    """Two app instances (two processes, in production) share one budget through Redis."""
    _redis_or_skip()
    ip = f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    first = await client_as(None, rate_limit_ip_per_minute=3, redis_url=REDIS_URL)
    second = await client_as(None, rate_limit_ip_per_minute=3, redis_url=REDIS_URL)
    headers = {"X-Test-IP": ip}
    seen = []
    for client in (first, second, first, second):
        client.http._transport.app = _with_client_ip(client.http._transport.app, ip)  # type: ignore[attr-defined]
        response = await client.http.post(
            "/graphql", json={"query": "{ __typename }"}, headers=headers
        )
        seen.append(response.status_code)
    assert seen == [200, 200, 200, 429]


def _with_client_ip(app, ip: str):  # type: ignore[no-untyped-def]
    if getattr(app, "_fixed_ip", None) == ip:
        return app

    async def fixed(scope, receive, send):  # type: ignore[no-untyped-def]
        await app({**scope, "client": (ip, 1234)}, receive, send)

    fixed._fixed_ip = ip  # type: ignore[attr-defined]
    return fixed


async def test_rate_limiter_falls_back_to_memory_when_redis_is_down() -> None:
    calls = []

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        calls.append(1)

    down = RedisCounter("redis://127.0.0.1:1/0")
    limiter = RateLimitMiddleware(app, per_token=0, per_ip=1, counter=down)
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "path": "/graphql", "client": ("1.2.3.4", 1), "headers": []}
    await limiter(scope, None, send)  # type: ignore[arg-type]
    await limiter(scope, None, send)  # type: ignore[arg-type]
    await down.aclose()
    assert len(calls) == 1
    assert sent[0]["status"] == 429


async def test_body_size_limit_gives_413(client_as: ClientFactory) -> None:
    client = await client_as(None, max_body_bytes=1_000)
    padding = " " * 2_000
    response = await client.http.post(
        "/graphql",
        content=('{"query": "{ __typename }"' + padding + "}").encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert codes(response.json()) == ["BODY_TOO_LARGE"]

    async def chunks():  # no Content-Length: counted as it streams
        for _ in range(5):
            yield b" " * 400

    streamed = await client.http.post(
        "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    ok = await client.http.post("/graphql", json={"query": "{ __typename }"})
    assert ok.status_code == 200


async def test_unexpected_errors_are_masked_with_an_id_in_the_logs(
    gql, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(**kwargs: object) -> None:
        raise RuntimeError("secret detail: password=hunter2")

    monkeypatch.setattr(cities, "search", broken)
    with caplog.at_level(logging.ERROR, logger="kembar.graphql"):
        response = await gql.http.post("/graphql", json={"query": "{ cities { totalCount } }"})
    body = response.json()
    error = body["errors"][0]
    assert error["message"] == "internal error"
    assert error["extensions"]["code"] == "INTERNAL_ERROR"
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert any(error["extensions"]["errorId"] in r.getMessage() for r in caplog.records)
    # expected errors keep their codes
    coded = await gql('{ cities(after: "garbage") { totalCount } }')
    assert coded["errors"][0]["extensions"]["code"] == "INVALID"


async def test_introspection_can_be_switched_off(client_as: ClientFactory) -> None:
    closed = await client_as(None, introspection=False)
    body = await closed("{ __schema { types { name } } }")
    assert codes(body) == ["INTROSPECTION_DISABLED"]
    body = await closed('{ __type(name: "Partnership") { name } }')
    assert codes(body) == ["INTROSPECTION_DISABLED"]
    assert await closed.ok("{ __typename }") == {"__typename": "Query"}
    opened = await client_as(None)
    assert (await opened.ok("{ __schema { queryType { name } } }"))["__schema"]


def test_introspection_defaults_off_in_production() -> None:
    from core.settings import Settings

    production = Settings(mode="production", database_url="postgres://x/y", secret_key="k")
    assert not production.introspection_enabled
    assert Settings().introspection_enabled
    assert Settings(mode="production", database_url="postgres://x/y", secret_key="k",
                    introspection=True).introspection_enabled  # fmt: skip


async def test_graphql_response_json_media_type(gql) -> None:
    accept = {"Accept": "application/graphql-response+json"}
    ok = await gql.http.post("/graphql", json={"query": "{ __typename }"}, headers=accept)
    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith("application/graphql-response+json")
    for query in ("{", "{ nope }"):
        bad = await gql.http.post("/graphql", json={"query": query}, headers=accept)
        assert bad.status_code == 400
        assert "data" not in bad.json() and bad.json()["errors"]
        legacy = await gql.http.post("/graphql", json={"query": query})
        assert legacy.status_code == 200
        assert legacy.headers["content-type"].startswith("application/json")
