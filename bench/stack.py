"""What the pipeline benchmarks share: a fresh PostgreSQL database (migrated, countries loaded,
opened in this process) and a private redis-server on a free port, then real Kembar processes
(relay, Dramatiq worker, API) started on them; everything stopped and dropped on exit.

    async with Stack.running(prefix="kembar-bench-") as stack:
        stack.spawn(stack.RELAY, stack.worker(threads=4), env={...})
        ...

Needs PostgreSQL (KEMBAR_BENCH_POSTGRES, default postgres://postgres@127.0.0.1:5432/postgres) and
redis-server on PATH.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
ADMIN = os.environ.get("KEMBAR_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    database_url: str
    redis_url: str
    tmp: Path
    children: list[subprocess.Popen[bytes]] = field(default_factory=list)

    RELAY = (str(BIN / "kembar"), "relay")

    @staticmethod
    def worker(threads: int) -> tuple[str, ...]:
        return (sys.executable, "-m", "dramatiq", "workers.actors",
                "--processes", "1", "--threads", str(threads))  # fmt: skip

    @staticmethod
    def api(port: int) -> tuple[str, ...]:
        return (sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1",
                "--port", str(port), "--no-access-log", "--log-level", "warning")  # fmt: skip

    def env(self, **settings: str) -> dict[str, str]:
        """This process's environment without its KEMBAR_* values, pointed at this stack, plus
        ``settings`` (full variable names)."""
        clean = {k: v for k, v in os.environ.items() if not k.startswith("KEMBAR_")}
        return {
            **clean,
            "KEMBAR_DATABASE_URL": self.database_url,
            "KEMBAR_REDIS_URL": self.redis_url,
            **settings,
        }

    def spawn(self, *argvs: tuple[str, ...], env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
        """Start each command in its own process group, logging to ``tmp/<n>.log``."""
        started = []
        for argv in argvs:
            with open(self.tmp / f"{len(self.children)}.log", "ab") as log:
                child = subprocess.Popen(
                    argv, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
                )
            self.children.append(child)
            started.append(child)
        return started

    @classmethod
    @asynccontextmanager
    async def running(cls, *, prefix: str = "kembar-bench-") -> AsyncIterator[Stack]:
        from core.countries import ensure_countries
        from core.db import close_db, init_db, migrate

        name = f"kembar_bench_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(ADMIN)
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        port = free_port()
        tmp = Path(tempfile.mkdtemp(prefix=prefix))
        redis = subprocess.Popen(
            ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(tmp)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        stack = cls(f"{ADMIN.rsplit('/', 1)[0]}/{name}", f"redis://127.0.0.1:{port}/0", tmp)
        try:
            await migrate(stack.database_url)
            await init_db(stack.database_url)
            await ensure_countries()
            yield stack
        finally:
            for child in stack.children:
                if child.poll() is None:
                    os.killpg(child.pid, signal.SIGKILL)
                    child.wait()
            redis.terminate()
            redis.wait()
            await close_db()
            admin = await asyncpg.connect(ADMIN)
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
