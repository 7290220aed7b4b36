"""Fixtures of the end-to-end tests: real Kembar processes on the test's database and Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.processes import Processes


@pytest.fixture
def processes(db: str, private_redis: Any, tmp_path: Path) -> Iterator[Processes]:
    """Nothing runs yet: the test starts what it needs (``start("relay")``, ``start_api(...)``);
    everything still running is stopped afterwards."""
    running = Processes(db, private_redis.url, tmp_path)
    try:
        yield running
    finally:
        try:
            running.stop_all()
        finally:
            running.reap()
