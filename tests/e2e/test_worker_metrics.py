"""End to end: a real `kembar worker` serves Dramatiq's own Prometheus metrics on
KEMBAR_WORKER_METRICS_PORT, counting the messages it handled."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from core.envelope import Envelope
from core.models import OutboxEvent, ProcessedEvent
from core.settings import Settings
from tests import factories
from tests.e2e.processes import free_port
from workers import routes
from workers.actors import ACTORS
from workers.broker import WorkerMetrics, build_broker
from workers.publish import publisher

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
        return response.read().decode()


@pytest.fixture
def metrics_port(request: pytest.FixtureRequest) -> Iterator[int]:
    """A free port, or (``"taken"``) one that another socket already listens on."""
    if getattr(request, "param", None) != "taken":
        yield free_port()
        return
    with socket.socket() as holder:
        holder.bind(("0.0.0.0", 0))
        holder.listen(1)
        yield holder.getsockname()[1]


def worker_env(db: str, redis_url: str, port: int, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEMBAR_", "dramatiq_"))}
    return env | {
        "KEMBAR_DATABASE_URL": db,
        "KEMBAR_REDIS_URL": redis_url,
        "KEMBAR_WORKER_METRICS_PORT": str(port),
        "KEMBAR_DB_POOL_MAX": "2",
        "TMPDIR": str(tmp_path),  # the metrics files: not the machine-wide /tmp
    }


@contextmanager
def running_worker(env: dict[str, str], log_path: Path) -> Iterator[None]:
    """A `kembar worker` (one process, one thread) until the block ends; it must not die."""
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [str(BIN / "kembar"), "worker", "--processes", "1", "--threads", "1"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        yield
        assert process.poll() is None, log_path.read_text()[-3000:]  # still working
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def worker(
    db: str, private_redis: Any, tmp_path: Path, metrics_port: int
) -> Iterator[tuple[int, Path]]:
    log_path = tmp_path / "worker.log"
    with running_worker(worker_env(db, private_redis.url, metrics_port, tmp_path), log_path):
        yield metrics_port, log_path


@pytest.mark.e2e
@pytest.mark.postgres
@pytest.mark.redis
async def test_a_worker_serves_dramatiq_metrics_counting_its_messages(
    worker: tuple[int, Path], private_redis: Any, migrated: str
) -> None:
    port, log_path = worker
    row = await publish_one(migrated, private_redis.url)
    consumers = routes.consumers(row.type)
    assert routes.NOTIFY in consumers

    text = await scraped_once_applied(row, port, log_path)
    assert counted(text) == {
        f'actor_name="{name}",queue_name="{ACTORS[name].queue_name}"': 1.0 for name in consumers
    }, text
    assert "dramatiq_message_duration_milliseconds" in text


async def publish_one(database_url: str, redis_url: str, name: str = "Bandung") -> OutboxEvent:
    """Commit one event (partnership.proposed), publish it to its consumers."""
    await factories.pair(indonesian=name, foreign=f"{name}'s twin")
    broker = build_broker(Settings(database_url=database_url, redis_url=redis_url))
    try:
        row = await OutboxEvent.all().order_by("-seq").first()
        assert row is not None and row.type == "partnership.proposed"
        await publisher(broker)(Envelope.from_row(row))
    finally:
        broker.client.close()
    return row


async def scraped_once_applied(row: OutboxEvent, port: int, log_path: Path) -> str:
    """The worker's metrics once every consumer applied ``row``."""
    consumers = routes.consumers(row.type)
    deadline = time.monotonic() + 60
    text = ""
    while True:
        if await ProcessedEvent.filter(event_id=row.event_id).count() == len(consumers):
            try:
                text = await asyncio.to_thread(scrape, port)
            except OSError:
                text = ""
            if all(f'actor_name="{name}"' in text for name in consumers):
                return text
        assert time.monotonic() < deadline, f"no metrics: {text!r}\n{tail(log_path)}"
        await asyncio.sleep(0.3)


def tail(log_path: Path) -> str:
    return log_path.read_text()[-3000:]


def counted(text: str) -> dict[str, float]:
    """``dramatiq_messages_total`` by its labels."""
    return {
        line.split("{", 1)[1].split("}", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("dramatiq_messages_total{")
    }


@pytest.mark.e2e
@pytest.mark.postgres
@pytest.mark.redis
async def test_a_restarted_worker_counts_only_its_own_messages(
    db: str, private_redis: Any, migrated: str, tmp_path: Path
) -> None:
    """Dramatiq keeps its metrics in files of one folder per host; `kembar worker` gives each
    port its own, emptied at start, so a restarted (or second) worker never adds another's."""
    port = free_port()
    env = worker_env(db, private_redis.url, port, tmp_path)
    for run, name in enumerate(("Bandung", "Surabaya")):
        log_path = tmp_path / f"worker-{run}.log"
        with running_worker(env, log_path):
            row = await publish_one(migrated, private_redis.url, name)
            text = await scraped_once_applied(row, port, log_path)
        assert set(counted(text).values()) == {1.0}, text  # not 2.0 on the second run


@pytest.mark.e2e
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.parametrize("metrics_port", ["taken"], indirect=True)
async def test_a_taken_metrics_port_is_one_log_line_and_the_worker_goes_on(
    worker: tuple[int, Path], private_redis: Any, migrated: str
) -> None:
    port, log_path = worker
    row = await publish_one(migrated, private_redis.url)
    deadline = time.monotonic() + 60
    while await ProcessedEvent.filter(event_id=row.event_id).count() < len(
        routes.consumers(row.type)
    ):
        assert time.monotonic() < deadline, log_path.read_text()[-3000:]
        await asyncio.sleep(0.2)
    while f"worker metrics: cannot listen on port {port}" not in log_path.read_text():
        assert time.monotonic() < deadline, log_path.read_text()[-3000:]
        await asyncio.sleep(0.2)
    assert "Traceback" not in log_path.read_text()


def test_port_zero_turns_the_worker_metrics_off() -> None:
    on = build_broker(Settings(redis_url="redis://127.0.0.1:1/0"))
    off = build_broker(Settings(redis_url="redis://127.0.0.1:1/0", worker_metrics_port=0))
    assert any(isinstance(m, WorkerMetrics) for m in on.middleware)
    assert not any(isinstance(m, WorkerMetrics) for m in off.middleware)
    on.client.close()
    off.client.close()


def test_enqueueing_outside_a_worker_skips_the_worker_metrics() -> None:
    """The relay and the API (replaying a dead letter) enqueue a message that has retries
    without booting a worker: the metrics hook must not fail there."""
    import dramatiq

    middleware = WorkerMetrics()
    message = dramatiq.Message(
        queue_name="q", actor_name="a", args=(), kwargs={}, options={"retries": 3}
    )
    middleware.after_enqueue(dramatiq.get_broker(), message, 0)  # no AttributeError
    assert not middleware.booted

