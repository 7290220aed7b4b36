"""End to end: one request's correlation id is found in the JSON logs of the API, the relay and the
worker. Real `kembar serve` (uvicorn), `kembar relay` and `kembar worker` (Dramatiq) processes in
production mode, on the test's PostgreSQL database and a private redis-server."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.models import OutboxEvent, ProcessedEvent
from core.policy import Role
from core.services import accounts
from tests import factories
from tests.e2e.processes import free_port
from workers import routes

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def json_lines(path: Path) -> list[dict[str, Any]]:
    """The JSON records in a log file (Dramatiq's own start-up lines are plain text)."""
    records = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


class Stack:
    """The API, relay and worker processes, each logging to its own file."""

    def __init__(self, database_url: str, redis_url: str, logs: Path) -> None:
        self.port = free_port()
        self.logs = logs
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KEMBAR_")}
        self.env |= {
            "KEMBAR_MODE": "production",
            "KEMBAR_SECRET_KEY": "e2e-secret",
            "KEMBAR_DATABASE_URL": database_url,
            "KEMBAR_REDIS_URL": redis_url,
            "KEMBAR_PORT": str(self.port),
            "KEMBAR_RELAY_IDLE_POLL_SECONDS": "1",
            "KEMBAR_DB_POOL_MAX": "4",
            "KEMBAR_WORKER_METRICS_PORT": "0",
        }
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, role: str, *argv: str) -> None:
        with open(self.log(role), "ab") as log:  # the child keeps its own copy
            self.running[role] = subprocess.Popen(
                [str(BIN / "kembar"), *argv],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )

    def log(self, role: str) -> Path:
        return self.logs / f"{role}.log"

    def stop(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.running.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def post(self, query: str, variables: dict[str, Any], headers: dict[str, str]) -> Any:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/graphql",
            data=json.dumps({"query": query, "variables": variables}).encode(),
            headers={"content-type": "application/json", **headers},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.headers, json.loads(response.read())


@pytest.fixture
def stack(db: str, private_redis: Any, tmp_path: Path) -> Iterator[Stack]:
    running = Stack(db, private_redis.url, tmp_path)
    try:
        yield running
    finally:
        running.stop()


async def wait_for(predicate: Any, seconds: float, what: str, stack: Stack) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if await predicate():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            tails = {role: stack.log(role).read_text()[-2000:] for role in stack.running}
            raise AssertionError(f"timed out waiting for {what}; logs: {tails}")
        await asyncio.sleep(0.2)


PROPOSE = """mutation($input: ProposePartnershipInput!) {
  proposePartnership(input: $input) { partnership { id } errors { field code message } }
}"""


def gid(kind: str, pk: int) -> str:
    import base64

    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


async def test_one_request_id_is_found_in_the_api_relay_and_worker_logs(stack: Stack) -> None:
    home = await factories.city("Bandung")
    away = await factories.city("Braunschweig", "DE")
    account = await accounts.create_account(
        email="admin@kembar.test", role=Role.ADMIN, region_ids=[], actor="tests"
    )
    token = (await accounts.create_token(account_id=account.id, actor="tests")).secret
    stack.start("api", "serve")
    stack.start("relay", "relay")
    stack.start("worker", "worker", "--processes", "1", "--threads", "2")

    def healthy() -> bool:
        with urllib.request.urlopen(f"http://127.0.0.1:{stack.port}/healthz", timeout=2) as r:
            return r.status == 200

    async def api_up() -> bool:
        return await asyncio.to_thread(healthy)

    await wait_for(api_up, 60, "the API", stack)

    request_id = f"e2e-{uuid.uuid4().hex}"
    headers, body = await asyncio.to_thread(
        stack.post,
        PROPOSE,
        {
            "input": {
                "indonesianRegionId": gid("City", home.id),
                "foreignRegionId": gid("City", away.id),
                "kind": "SISTER_CITY",
            }
        },
        {"Authorization": f"Bearer {token}", "X-Request-ID": request_id},
    )
    assert body["data"]["proposePartnership"]["errors"] == [], body
    assert headers["X-Request-ID"] == request_id

    [event] = await OutboxEvent.filter(type="partnership.proposed")
    assert event.correlation_id == request_id  # the request's id is stored on the envelope
    consumers = set(routes.consumers(event.type))

    async def applied() -> bool:
        done = ProcessedEvent.filter(event_id=event.event_id)
        return set(await done.values_list("consumer", flat=True)) == consumers

    await wait_for(applied, 60, "the worker to apply the event", stack)

    def lines(role: str) -> list[dict[str, Any]]:
        return [r for r in json_lines(stack.log(role)) if r.get("correlation_id") == request_id]

    async def logged() -> bool:  # a log line may land a moment after its effect commits
        handled = {r.get("actor") for r in lines("worker")}
        return bool(lines("api")) and bool(lines("relay")) and handled >= consumers

    await wait_for(logged, 15, "the id in every process's log", stack)

    api = lines("api")
    assert {r["role"] for r in api} == {"api"}
    assert any(r["logger"] == "uvicorn.access" and "/graphql" in r["message"] for r in api), api
    relay = lines("relay")
    assert {r["role"] for r in relay} == {"relay"}
    assert any(f"published partnership.proposed {event.event_id}" in r["message"] for r in relay)
    worker = lines("worker")
    assert {r["role"] for r in worker} == {"worker"}
    assert {r["actor"] for r in worker if r["message"].endswith("handled")} == consumers
    assert all(r["event_id"] == str(event.event_id) for r in worker)
    for role in ("api", "relay", "worker"):  # every record is JSON with its time and level
        assert all({"time", "level", "logger", "message"} <= r.keys() for r in lines(role))
