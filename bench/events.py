"""Events per second through relay + workers, and commit-to-processed latency at a steady rate,
with a no-op Dramatiq actor's throughput on the same Redis as the ceiling (same run).

    .venv/bin/python bench/events.py [--events 2000] [--rate 50] [--seconds 10] [--threads 4]

Needs PostgreSQL (KEMBAR_BENCH_POSTGRES, default postgres://postgres@127.0.0.1:5432/postgres) and
redis-server on PATH; it creates and drops its own database and runs its own Redis on a free port.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import asyncpg
import dramatiq
from dramatiq.brokers.redis import RedisBroker
from tortoise.transactions import in_transaction

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADMIN = os.environ.get("KEMBAR_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def noop_ceiling(redis_url: str, messages: int, threads: int) -> float:
    """Messages/s a do-nothing actor reaches on this Redis with the same thread count."""
    broker = RedisBroker(url=redis_url)
    done = threading.Semaphore(0)

    @dramatiq.actor(broker=broker, actor_name="bench.noop", queue_name="bench-noop")
    def noop(envelope: dict[str, object]) -> None:
        done.release()

    for i in range(messages):
        noop.send({"i": i})
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
    started = time.perf_counter()
    worker.start()
    for _ in range(messages):
        done.acquire()
    elapsed = time.perf_counter() - started
    worker.stop()
    broker.client.close()
    return messages / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    from core import clock, outbox
    from core.countries import ensure_countries
    from core.db import close_db, init_db, migrate
    from core.events import ProgramUpdated
    from core.models import OutboxEvent, ProcessedEvent
    from tests import factories
    from workers import routes

    name = f"kembar_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    database_url = f"{ADMIN.rsplit('/', 1)[0]}/{name}"
    port = free_port()
    redis_url = f"redis://127.0.0.1:{port}/0"
    tmp = Path(tempfile.mkdtemp(prefix="kembar-bench-"))
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
         "--daemonize", "no", "--dir", str(tmp)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    children: list[subprocess.Popen[bytes]] = []
    try:
        await migrate(database_url)
        await init_db(database_url)
        await ensure_countries()
        time.sleep(0.3)
        ceiling = noop_ceiling(redis_url, args.events, args.threads)

        pairs = [await factories.pair(f"Kota {i}", f"Stadt {i}", "DE") for i in range(20)]
        env = {**os.environ, "KEMBAR_DATABASE_URL": database_url, "KEMBAR_REDIS_URL": redis_url}
        for argv in (
            [str(Path(sys.executable).parent / "kembar"), "relay"],
            [sys.executable, "-m", "dramatiq", "workers.actors", "--processes", "1",
             "--threads", str(args.threads)],
        ):  # fmt: skip
            log = open(tmp / f"{len(children)}.log", "ab")
            children.append(
                subprocess.Popen(
                    argv, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
                )
            )
            log.close()

        async def settle() -> None:
            while True:
                expected = sum(
                    len(routes.consumers(t))
                    for t in await OutboxEvent.all().values_list("type", flat=True)
                )
                if await ProcessedEvent.all().count() >= expected:
                    return
                await asyncio.sleep(0.05)

        await settle()  # the proposals; also warms the worker up

        def event(i: int) -> ProgramUpdated:
            p = pairs[i % len(pairs)]
            return ProgramUpdated(partnership_id=p.id, program_id=i, changed=("budget",))

        # 1. throughput: a backlog of N events committed at once, then drained
        await ProcessedEvent.all().delete()
        await OutboxEvent.all().delete()
        for start in range(0, args.events, 200):
            async with in_transaction():
                for i in range(start, min(start + 200, args.events)):
                    await outbox.record(event(i), actor="bench")
        began = time.perf_counter()
        await settle()
        throughput = args.events / (time.perf_counter() - began)

        # 2. latency at a steady rate: one event per transaction, commit → processed (metrics)
        await ProcessedEvent.all().delete()
        await OutboxEvent.all().delete()
        total = int(args.rate * args.seconds)
        began = time.perf_counter()
        for i in range(total):
            await asyncio.sleep(max(0.0, began + i / args.rate - time.perf_counter()))
            async with in_transaction():
                await outbox.record(event(i), actor="bench")
        await settle()
        occurred = dict(await OutboxEvent.all().values_list("event_id", "occurred_at"))
        latencies = sorted(
            (row.processed_at - occurred[row.event_id]).total_seconds() * 1000
            for row in await ProcessedEvent.filter(consumer=routes.METRICS)
        )
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(
            f"no-op actor ceiling ({args.threads} threads, same Redis): {ceiling:8.0f} messages/s"
        )
        print(
            f"relay + workers, backlog of {args.events} events (2 messages each): "
            f"{throughput:8.0f} events/s ({2 * throughput:.0f} messages/s)"
        )
        print(
            f"commit -> processed at {args.rate:.0f} events/s for {args.seconds:.0f}s "
            f"({len(latencies)} events): p50 {p50:.1f} ms, p99 {p99:.1f} ms"
        )
        _ = clock
    finally:
        for child in children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        redis.terminate()
        redis.wait()
        await close_db()
        admin = await asyncpg.connect(ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
