"""Shared fixtures. One pytest process runs against ONE backend (STACK.md: never mix dialects):

    KEMBAR_TEST_DB=sqlite   (default) a fresh SQLite file per run
    KEMBAR_TEST_DB=postgres a fresh PostgreSQL database per run, created from
                            KEMBAR_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/postgres)

Each run applies the real migrations to an empty database; each test starts from empty tables
(countries stay: they are reference data).
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from tortoise import connections

from core.countries import NO_RELATIONS, ensure_countries
from core.db import close_db, init_db, migrate

BACKEND = os.environ.get("KEMBAR_TEST_DB", "sqlite")
POSTGRES_ADMIN = os.environ.get(
    "KEMBAR_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres"
)
TABLES = [  # children first, for SQLite's DELETE
    "delivery_attempt",
    "delivery",
    "subscriber",
    "api_token",
    "account_region",
    "account",
    "audit_entry",
    "evaluation",
    "partnership_metrics",
    "processed_event",
    "activity",
    "program",
    "document",
    "approval",
    "stage_change",
    "partnership_area",
    "expiry_reminder",
    "partnership",
    "city",
    "outbox_event",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if BACKEND == "postgres":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run with KEMBAR_TEST_DB=postgres)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def backend() -> str:
    return BACKEND


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """An empty database for this run, dropped afterwards."""
    if BACKEND == "sqlite":
        path = Path(tmp_path_factory.mktemp("db")) / "kembar-test.sqlite3"
        yield f"sqlite://{path}"
        return
    name = f"kembar_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base = POSTGRES_ADMIN.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    admin = await asyncpg.connect(POSTGRES_ADMIN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture(scope="session")
async def migrated(database_url: str) -> AsyncIterator[str]:
    """The database with every migration applied and the ORM initialised for this process."""
    await migrate(database_url)
    await init_db(database_url)
    await ensure_countries()
    yield database_url
    await close_db()


@pytest.fixture
async def db(migrated: str) -> AsyncIterator[str]:
    """Empty tables (countries kept) before the test; yields the database URL."""
    conn = connections.get("default")
    if BACKEND == "postgres":
        await conn.execute_script(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    else:
        # Foreign-key checks off while emptying: SQLite checks each deleted row against every
        # referencing column, which after a full city import takes minutes.
        await conn.execute_script("PRAGMA foreign_keys = OFF")
        try:
            for table in TABLES:
                await conn.execute_script(f"DELETE FROM {table}")
            await conn.execute_script("DELETE FROM sqlite_sequence")
        finally:
            await conn.execute_script("PRAGMA foreign_keys = ON")
    no_relations = ", ".join(f"'{code}'" for code in sorted(NO_RELATIONS))
    await conn.execute_script(
        f"UPDATE country SET diplomatic_relations = code NOT IN ({no_relations})"
    )
    yield migrated


class SqlCounter(logging.Handler):
    """Counts the SQL statements Tortoise sends (its db_client logger, one record each)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "%s: %s":
            self.statements.append(str(record.args[0]) if record.args else "")


@pytest.fixture
def sql_counter() -> Iterator[SqlCounter]:
    logger = logging.getLogger("tortoise.db_client")
    counter = SqlCounter()
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(previous)


class RedisServer:
    """A private redis-server on a free port (never the machine's shared one): tests may stop it."""

    def __init__(self, directory: Path) -> None:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: object = None

    def start(self) -> None:
        import subprocess
        import time

        import redis

        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        import subprocess

        process = self.process
        if isinstance(process, subprocess.Popen) and process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
        self.process = None

    def flush(self) -> None:
        import redis

        redis.Redis.from_url(self.url).flushall()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A private Redis for this run (started once; a test that stops it must start it again)."""
    server = RedisServer(Path(tmp_path_factory.mktemp("redis")))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def private_redis(redis_server: RedisServer) -> Iterator[RedisServer]:
    """The private Redis, running and empty."""
    if redis_server.process is None:
        redis_server.start()
    redis_server.flush()
    yield redis_server


def _collector(into: list[object]) -> object:
    async def collect(envelope: object) -> None:
        into.append(envelope)

    return collect


@pytest.fixture
def drain_outbox() -> object:
    """``await drain_outbox()``: relay every unsent event and run its actors in this process (in
    order, one at a time, each actor's body exactly as Dramatiq would call it) until the outbox is
    empty, including the events the actors themselves write. Returns the envelopes processed."""
    from core import relay
    from workers import routes
    from workers.actors import ACTORS

    async def drain(rounds: int = 20) -> list[object]:
        seen: list[object] = []
        for _ in range(rounds):
            batch: list[object] = []
            await relay.relay_batch(_collector(batch), limit=1000)
            if not batch:
                return seen
            for envelope in batch:
                for name in routes.consumers(envelope.type):  # type: ignore[attr-defined]
                    await ACTORS[name].fn.__wrapped__(envelope.to_dict())  # type: ignore[attr-defined]
            seen += batch
        raise AssertionError("the outbox did not drain")

    return drain
