"""End to end: live subscriptions across TWO real API processes (uvicorn) on one PostgreSQL and a
private Redis, with real `kembar relay` and Dramatiq worker processes; `websockets` is the client.

An event committed through process A's mutation reaches a subscriber on A and one on B; a client
that disconnects, misses three events and resumes from its last cursor gets those three, once.
The same resume through `kembar serve` on the embedded default (SQLite, no Redis)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from strawberry.relay import to_base64
from websockets.asyncio.client import ClientConnection, connect

from core.policy import Role
from tests import factories
from tests.api.conftest import issue_token
from tests.e2e.processes import BIN, Processes, free_port

pytestmark = [pytest.mark.e2e]

EVENTS = """
subscription Live($after: String, $partnershipId: ID) {
  partnershipEvents(after: $after, partnershipId: $partnershipId) {
    cursor eventId type partnership { id stage }
  }
}
"""
PROPOSE = """
mutation Propose($input: ProposePartnershipInput!) {
  proposePartnership(input: $input) { partnership { id version } errors { code message } }
}
"""
ADD_DOCUMENT = """
mutation Add($input: AddDocumentInput!) {
  addDocument(input: $input) { errors { code message } }
}
"""
ADVANCE = """
mutation Advance($input: AdvanceStageInput!) {
  advanceStage(input: $input) { partnership { version } errors { code message } }
}
"""
WAIT = 30.0  # seconds: relay, worker and two APIs share a loaded 2-core machine


async def call(port: int, token: str, query: str, **variables: Any) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=WAIT) as client:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
    body = response.json()
    assert "errors" not in body, body
    (payload,) = body["data"].values()
    assert not payload["errors"], payload
    return payload


async def live_subscriptions(port: int) -> float:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=WAIT) as client:
        text = (await client.get("/metrics")).text
    found = re.search(r"^kembar_live_subscriptions (\S+)$", text, re.MULTILINE)
    assert found, text
    return float(found.group(1))


async def until_live(port: int, count: int) -> None:
    deadline = time.monotonic() + WAIT
    while await live_subscriptions(port) != count:
        assert time.monotonic() < deadline, f"{port} never held {count} subscriptions"
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def subscribed(
    port: int, token: str, after: str | None = None, partnership_id: str | None = None
) -> AsyncIterator[Any]:
    async with connect(
        f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]
    ) as ws:
        params = {"authorization": f"Bearer {token}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": params}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        variables = {"after": after, "partnershipId": partnership_id}
        payload = {"query": EVENTS, "variables": variables}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        yield ws


async def receive(ws: ClientConnection, wait: float = WAIT) -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(ws.recv(), wait))
    assert message["type"] == "next" and "errors" not in message["payload"], message
    return message["payload"]["data"]["partnershipEvents"]


async def silent(ws: ClientConnection, seconds: float = 1.5) -> None:
    with pytest.raises(TimeoutError):
        extra = await asyncio.wait_for(ws.recv(), seconds)
        raise AssertionError(f"unexpected {extra}")


@pytest.mark.postgres
@pytest.mark.redis
async def test_two_api_processes_fan_out_one_commit_and_a_client_resumes_without_loss(
    processes: Processes,
) -> None:
    processes.start("relay")
    processes.start("worker")
    a = processes.start_api("api-a")
    b = processes.start_api("api-b")
    token = await issue_token(Role.ADMIN, email="e2e-live@kembar.test")
    home = await factories.region("Bandung")
    away = await factories.region("Braunschweig", "DE")

    async with subscribed(a, token) as on_a:
        async with subscribed(b, token) as on_b:
            await until_live(a, 1)
            await until_live(b, 1)
            proposed = await call(
                a,
                token,
                PROPOSE,
                input={
                    "indonesianRegionId": to_base64("City", home.id),
                    "foreignRegionId": to_base64("City", away.id),
                    "kind": "SISTER_CITY",
                },
            )
            seen_a, seen_b = await receive(on_a), await receive(on_b)
        assert seen_a == seen_b  # one event, one cursor, through both processes
        assert seen_a["type"] == "partnership.proposed"
        partnership = proposed["partnership"]
        assert seen_a["partnership"] == {"id": partnership["id"], "stage": "IDENTIFICATION"}

        # B's client is gone; three events are committed through A while it is away.
        await until_live(b, 0)
        pid = partnership["id"]
        study = {"partnershipId": pid, "type": "FEASIBILITY_STUDY"}
        await call(a, token, ADD_DOCUMENT, input=study)
        advance = {"id": pid, "to": "EXPLORATION", "expectedVersion": partnership["version"]}
        await call(a, token, ADVANCE, input=advance)
        await call(a, token, ADD_DOCUMENT, input={"partnershipId": pid, "type": "LETTER_OF_INTENT"})
        missed = [await receive(on_a) for _ in range(3)]

    async with subscribed(b, token, after=seen_b["cursor"]) as resumed:
        again = [await receive(resumed) for _ in range(3)]
        await silent(resumed)
    def ids(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
        return [(m["cursor"], m["eventId"]) for m in messages]  # the partnership is as of now

    assert ids(again) == ids(missed)
    assert [m["type"] for m in again] == [
        "partnership.document_added",
        "partnership.stage_advanced",
        "partnership.document_added",
    ]


IN_PREPARATION = """
{ partnerships(first: 1, filter: {status: IN_PREPARATION}) { edges { node { id } } } }
"""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[int, str]]:
    """`kembar serve` on a fresh SQLite file (the embedded default: demo data, in-process relay
    and workers), once its outbox is drained; an admin token made with `kembar create-token`."""
    port = free_port()
    database = tmp_path / "kembar.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEMBAR_")}
    env |= {
        "KEMBAR_DATABASE_URL": f"sqlite://{database}",
        "KEMBAR_PORT": str(port),
        "KEMBAR_RATE_LIMIT_PER_MINUTE": "0",
    }
    kembar = str(BIN / "kembar")
    subprocess.run([kembar, "migrate"], cwd=tmp_path, env=env, check=True, capture_output=True)
    token = subprocess.run(
        [kembar, "create-token", "--email", "live@kembar.test", "--role", "admin"],
        cwd=tmp_path, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    with open(tmp_path / "serve.log", "wb") as log:  # the child keeps its own copy
        server = subprocess.Popen([kembar, "serve"], cwd=tmp_path, env=env, stdout=log, stderr=log)
    try:
        deadline, settled = time.monotonic() + 90, 0
        while settled < 3:  # drained three checks in a row: the demo is seeded and processed
            assert time.monotonic() < deadline and server.poll() is None, "serve did not settle"
            settled = settled + 1 if drained(database) else 0
            time.sleep(0.3)
        yield port, token
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
    assert code in (0, -signal.SIGTERM), (tmp_path / "serve.log").read_text()


def drained(database: Path) -> bool:
    """The demo's events are all relayed and applied (so none arrives during the test)."""
    if not database.exists():
        return False
    try:
        with contextlib.closing(sqlite3.connect(database)) as conn:
            total, unsent = conn.execute(
                "SELECT count(*), sum(sent_at IS NULL) FROM outbox_event"
            ).fetchone()
            processed = conn.execute("SELECT count(*) FROM processed_event").fetchone()[0]
    except sqlite3.Error:
        return False
    return total > 0 and unsent == 0 and processed >= total


async def query(port: int, token: str, text: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=WAIT) as client:
        response = await client.post(
            "/graphql", json={"query": text}, headers={"Authorization": f"Bearer {token}"}
        )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def test_kembar_serve_embedded_resumes_from_its_own_buffer(
    served: tuple[int, str],
) -> None:
    port, token = served
    data = await query(port, token, IN_PREPARATION)
    pid = data["partnerships"]["edges"][0]["node"]["id"]  # the demo's Medan-Gwangju

    def document(kind: str) -> str:
        return (
            f'mutation {{ addDocument(input: {{partnershipId: "{pid}", type: {kind}}}) '
            "{ errors { code } } }"
        )

    async with subscribed(port, token, partnership_id=pid) as live:
        await until_live(port, 1)
        await query(port, token, document("OFFER_LETTER"))
        first = await receive(live)
    await until_live(port, 0)
    for kind in ("WORK_PLAN", "PLAN_OF_ACTION", "DRAFT_AGREEMENT"):
        await query(port, token, document(kind))
    async with subscribed(port, token, after=first["cursor"], partnership_id=pid) as resumed:
        missed = [await receive(resumed) for _ in range(3)]
        await silent(resumed)
    assert first["type"] == "partnership.document_added"
    assert [m["type"] for m in missed] == ["partnership.document_added"] * 3
    assert {m["partnership"]["id"] for m in [first, *missed]} == {pid}
    assert len({m["eventId"] for m in [first, *missed]}) == 4
