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
    "activity",
    "program",
    "document",
    "approval",
    "stage_change",
    "partnership_area",
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
        for table in TABLES:
            await conn.execute_script(f"DELETE FROM {table}")
        await conn.execute_script("DELETE FROM sqlite_sequence")
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
