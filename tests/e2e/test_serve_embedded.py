"""End to end: the README's `kembar serve` on the embedded default, as a real process.

A fresh SQLite file, no Redis: it migrates, seeds the demo, serves GraphQL, and its in-process
relay and workers drain the outbox; SIGTERM stops it cleanly.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.processes import free_port

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent


def _post(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def _wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_kembar_serve_runs_the_whole_product_on_sqlite(tmp_path: Path) -> None:
    port = free_port()
    database = tmp_path / "kembar.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEMBAR_")}
    env |= {"KEMBAR_DATABASE_URL": f"sqlite://{database}", "KEMBAR_PORT": str(port)}
    log = open(tmp_path / "serve.log", "wb")
    server = subprocess.Popen(
        [str(BIN / "kembar"), "serve"], cwd=tmp_path, env=env, stdout=log, stderr=log
    )
    try:
        _wait_until(lambda: "data" in _post(port, "{ __typename }"), 90, "the API to answer")
        body = _post(
            port,
            "{ partnerships(first: 10) { totalCount edges { node { stage "
            "indonesianRegion { name } foreignRegion { name country { code } } } } } }",
        )
        pairs = {
            (e["node"]["indonesianRegion"]["name"], e["node"]["foreignRegion"]["name"])
            for e in body["data"]["partnerships"]["edges"]
        }
        # The four signed demo partnerships are public; Medan-Gwangju is still being negotiated.
        assert {
            ("DKI Jakarta", "Seoul"),
            ("Bandung", "Braunschweig"),
            ("Daerah Istimewa Yogyakarta", "Kyoto Prefecture"),
            ("Surabaya", "Kitakyushu"),
        } <= pairs

        def drained() -> bool:
            with sqlite3.connect(database) as conn:
                total, unsent = conn.execute(
                    "SELECT count(*), sum(sent_at IS NULL) FROM outbox_event"
                ).fetchone()
                processed = conn.execute("SELECT count(*) FROM processed_event").fetchone()[0]
            return total > 0 and unsent == 0 and processed >= total

        _wait_until(drained, 30, "the in-process relay and workers to drain the outbox")
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    # uvicorn re-raises the signal once shut down, so -SIGTERM is the clean exit status.
    assert code in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output
    assert "Traceback" not in output
