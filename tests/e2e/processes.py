"""Real Kembar processes for end-to-end tests: `kembar relay`, `dramatiq workers.actors` and the API
under uvicorn, on the test's database and private Redis; each in its own process group, logging to
``$KEMBAR_E2E_LOGS`` (default /tmp/kembar-e2e-logs)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LOGS = Path(os.environ.get("KEMBAR_E2E_LOGS", "/tmp/kembar-e2e-logs"))
LOGS.mkdir(parents=True, exist_ok=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except (urllib.error.URLError, OSError):
        return False


class Processes:
    def __init__(self, database_url: str, redis_url: str, tmp: Path) -> None:
        self.env = {
            **os.environ,
            "KEMBAR_DATABASE_URL": database_url,
            "KEMBAR_REDIS_URL": redis_url,
            "KEMBAR_RELAY_IDLE_POLL_SECONDS": "1",
            "KEMBAR_RELAY_BACKOFF_MAX_SECONDS": "0.5",
            "KEMBAR_REDIS_HEARTBEAT_TIMEOUT_MS": "2000",
            "KEMBAR_REDIS_MAINTENANCE_CHANCE": "300000",
            "KEMBAR_DB_POOL_MAX": "4",
            "KEMBAR_RATE_LIMIT_PER_MINUTE": "0",
            "KEMBAR_RATE_LIMIT_IP_PER_MINUTE": "0",
        }
        self.tmp = tmp
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.ports: dict[str, int] = {}

    def start(self, name: str, argv: list[str] | None = None) -> None:
        """Start ``relay``, ``worker``, or any ``name`` with its own ``argv``."""
        argv = argv or {
            "relay": [str(BIN / "kembar"), "relay"],
            "worker": [
                sys.executable, "-m", "dramatiq", "workers.actors",
                "--processes", "1", "--threads", "2",
            ],
        }[name]  # fmt: skip
        with open(LOGS / f"{name}.log", "ab") as log:  # the child keeps its own copy
            self.running[name] = subprocess.Popen(
                argv, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
            )

    def start_api(self, name: str, *, timeout: float = 30.0) -> int:
        """One API process (uvicorn, one worker) on a free port; returns the port once
        ``/healthz`` answers."""
        port = free_port()
        self.ports[name] = port
        self.start(
            name,
            [
                sys.executable, "-m", "uvicorn", "api.main:app",
                "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
            ],
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while not _answers(f"http://127.0.0.1:{port}/healthz"):
            if self.running[name].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start; see {LOGS / (name + '.log')}")
            time.sleep(0.1)
        return port

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.running.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, sig)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.running):
            self.kill(name, signal.SIGTERM)

    def reap(self) -> None:
        """Kill whatever is still running (after stop_all failed part-way)."""
        for name, process in list(self.running.items()):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            self.running.pop(name, None)
