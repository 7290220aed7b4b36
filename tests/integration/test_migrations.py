"""Migrations run from an empty database, twice without harm, and create what models cannot say."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import BACKEND, POSTGRES_ADMIN


@pytest.fixture
async def empty_database_url(tmp_path: Path):
    if BACKEND == "sqlite":
        yield f"sqlite://{tmp_path / 'empty.sqlite3'}"
        return
    name = f"kembar_mig_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    yield f"{POSTGRES_ADMIN.rsplit('/', 1)[0]}/{name}"
    admin = await asyncpg.connect(POSTGRES_ADMIN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


async def _indexes(url: str) -> set[str]:
    if url.startswith("sqlite"):
        import aiosqlite

        async with aiosqlite.connect(url.split("://", 1)[1]) as conn:
            rows = await conn.execute_fetchall("SELECT name FROM sqlite_master WHERE type='index'")
            return {row[0] for row in rows}
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        return {row["indexname"] for row in rows}
    finally:
        await conn.close()


def _kembar_migrate(url: str) -> str:
    """`kembar migrate` in its own process (it must not disturb this process's connections)."""
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "migrate"],
        env={**os.environ, "KEMBAR_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_kembar_migrate_builds_an_empty_database_and_reruns_as_a_no_op(
    empty_database_url: str,
) -> None:
    assert "countries added" in _kembar_migrate(empty_database_url)
    first = await _indexes(empty_database_url)
    assert {"uniq_partnership_live_pair", "idx_outbox_unsent"} <= first
    assert "; 0 countries added" in _kembar_migrate(empty_database_url)
    assert await _indexes(empty_database_url) == first
