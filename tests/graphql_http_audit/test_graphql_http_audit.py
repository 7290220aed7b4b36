"""The GraphQL-over-HTTP audit suite (npm ``graphql-http``, its ``serverAudits``) against a real
uvicorn serving Kembar: no audit may fail; warnings (SHOULDs) are reported and expected to be 0.

Needs node and npm; ``npm install`` runs here the first time (package.json pins the versions).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

HERE = Path(__file__).parent
ROOT = HERE.parents[1]

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("audit") / "audit.sqlite3"
    env = {
        **os.environ,
        "KEMBAR_DATABASE_URL": f"sqlite://{database}",
        "KEMBAR_MODE": "development",
    }
    env.pop("KEMBAR_REDIS_URL", None)
    subprocess.run(
        [sys.executable, "-m", "cli.main", "migrate"], cwd=ROOT, env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start: {process.stderr.read()!r}")  # type: ignore[union-attr]
            time.sleep(0.1)
        yield f"{url}/graphql"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()


def test_graphql_over_http_audits(server: str) -> None:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to run the graphql-http audit suite")
    if not (HERE / "node_modules" / "graphql-http").exists():
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund"], cwd=HERE, check=True, capture_output=True
        )
    run = subprocess.run(
        [node, "run.mjs", server], cwd=HERE, check=True, capture_output=True, text=True, timeout=120
    )
    report = json.loads(run.stdout)
    failed = [r for r in report["results"] if r["status"] == "error"]
    warned = [r for r in report["results"] if r["status"] == "warn"]
    print(f"graphql-http audits: {report['ok']} ok, {report['warn']} warn, {report['error']} error")
    assert not failed, failed
    assert not warned, warned  # application/graphql-response+json makes the SHOULDs pass too
    assert report["ok"] >= 40
