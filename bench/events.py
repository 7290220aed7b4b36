"""Events per second through relay + workers, and commit-to-processed latency at a steady rate,
with a no-op Dramatiq actor's throughput on the same Redis as the ceiling (same run).

    .venv/bin/python bench/events.py [--events 2000] [--rate 50] [--seconds 10] [--threads 4]

Needs PostgreSQL (KEMBAR_BENCH_POSTGRES, default postgres://postgres@127.0.0.1:5432/postgres) and
redis-server on PATH; it creates and drops its own database and runs its own Redis on a free port.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
from pathlib import Path

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from stack import Stack  # bench/stack.py (this script's folder is on sys.path)
from tortoise.transactions import in_transaction

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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

    from core import outbox
    from core.events import ProgramUpdated
    from core.models import OutboxEvent, ProcessedEvent
    from tests import factories
    from workers import routes

    async with Stack.running() as stack:
        time.sleep(0.3)
        ceiling = noop_ceiling(stack.redis_url, args.events, args.threads)

        pairs = [await factories.pair(f"Kota {i}", f"Stadt {i}", "DE") for i in range(20)]
        stack.spawn(Stack.RELAY, Stack.worker(args.threads), env=stack.env())

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
        fanout = len(routes.consumers(ProgramUpdated.TYPE))

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
            f"relay + workers, backlog of {args.events} events ({fanout} messages each): "
            f"{throughput:8.0f} events/s ({fanout * throughput:.0f} messages/s)"
        )
        print(
            f"commit -> processed at {args.rate:.0f} events/s for {args.seconds:.0f}s "
            f"({len(latencies)} events): p50 {p50:.1f} ms, p99 {p99:.1f} ms"
        )


if __name__ == "__main__":
    asyncio.run(main())
