"""/healthz and /readyz: readiness follows the database and Redis, each check bounded in time."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from tortoise.backends.base.config_generator import expand_db_url

from core.services import readiness
from tests.api.conftest import ClientFactory
from tests.conftest import RedisServer


def free_port() -> int:
    """A loopback port where nothing listens (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) but never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


def unreachable_database(backend: str, tmp_path: Any) -> Any:
    """A real Tortoise client of this run's backend whose database cannot be reached: PostgreSQL
    on a closed port, or SQLite in a directory that does not exist."""
    if backend == "postgres":
        url = f"postgres://postgres@127.0.0.1:{free_port()}/kembar"
    else:
        url = f"sqlite://{tmp_path}/missing/dir/kembar.sqlite3"
    config = expand_db_url(url)
    module = __import__(config["engine"], fromlist=["client_class"])
    return module.client_class(connection_name="unreachable", **config["credentials"])


async def get(client_as: ClientFactory, path: str, **settings: Any) -> Any:
    client = await client_as(None, **settings)
    start = time.monotonic()
    response = await client.http.get(path)
    response.elapsed_seconds = time.monotonic() - start  # type: ignore[attr-defined]
    return response


async def test_healthz_says_the_process_is_up(client_as: ClientFactory) -> None:
    response = await get(client_as, "/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_with_the_database_and_no_redis_configured(client_as: ClientFactory) -> None:
    response = await get(client_as, "/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "not configured"}
    assert response.headers["cache-control"] == "no-store"


async def test_not_ready_when_redis_does_not_answer(client_as: ClientFactory) -> None:
    response = await get(client_as, "/readyz", redis_url=f"redis://127.0.0.1:{free_port()}/0")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["redis"].startswith("error: ")
    assert response.elapsed_seconds < 3


async def test_a_silent_redis_times_out_instead_of_hanging(silent_port: int) -> None:
    start = time.monotonic()
    state = await readiness.check_redis(f"redis://127.0.0.1:{silent_port}/0", seconds=0.3)
    assert state == "error: timed out"
    assert time.monotonic() - start < 2


@pytest.mark.redis
async def test_readiness_follows_redis_down_and_back(
    client_as: ClientFactory, private_redis: RedisServer
) -> None:
    client = await client_as(None, redis_url=private_redis.url)
    ready = await client.http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"database": "ok", "redis": "ok"}
    private_redis.stop()
    try:
        down = await client.http.get("/readyz")
        assert down.status_code == 503
        assert down.json()["redis"].startswith("error: ")
        assert down.json()["database"] == "ok"
    finally:
        private_redis.start()
    back = await client.http.get("/readyz")
    assert back.status_code == 200
    assert back.json() == {"database": "ok", "redis": "ok"}


async def test_the_database_check_fails_on_an_unreachable_database(
    backend: str, tmp_path: Any
) -> None:
    client = unreachable_database(backend, tmp_path)
    start = time.monotonic()
    state = await readiness.check_database(client, seconds=1.0)
    assert state.startswith("error: ")
    assert time.monotonic() - start < 3


async def test_not_ready_when_the_database_is_unreachable(
    client_as: ClientFactory, backend: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = unreachable_database(backend, tmp_path)
    check = readiness.check_database

    async def check_unreachable(client: Any = None, **kwargs: Any) -> str:
        return await check(broken, **kwargs)

    monkeypatch.setattr(readiness, "check_database", check_unreachable)
    response = await get(client_as, "/readyz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("error: ")
    assert response.json()["redis"] == "not configured"
    assert response.elapsed_seconds < 3
