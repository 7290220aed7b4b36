"""Commit-to-webhook-received latency at a steady rate of stage transitions: real relay and
Dramatiq worker processes, PostgreSQL, a private Redis, a local HTTP receiver (subscribers all on
one endpoint, every event signed and sent once to each).

    .venv/bin/python bench/webhooks.py [--rate 20] [--seconds 15] [--subscribers 1] [--threads 4]

Each transition is one transaction writing a ``partnership.stage_advanced`` event to the outbox
(as ``advance_stage`` does, without the guards' queries); latency runs from just after its commit
to the moment the receiver has read the request. Needs PostgreSQL (KEMBAR_BENCH_POSTGRES, default
postgres://postgres@127.0.0.1:5432/postgres) and redis-server on PATH; it creates and drops its own
database and runs its own Redis on a free port.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from stack import Stack  # bench/stack.py (this script's folder is on sys.path)
from tortoise.transactions import in_transaction

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WEBHOOK_ENV = {"KEMBAR_WEBHOOK_ALLOWED_NETWORKS": '["127.0.0.0/8"]'}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--subscribers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    os.environ.update(WEBHOOK_ENV)  # before the settings are first read

    from tests.webhook_receiver import WebhookReceiver

    receiver = WebhookReceiver()
    receiver.__enter__()
    try:
        async with Stack.running() as stack:
            await _run(args, stack, receiver)
    finally:
        receiver.__exit__(None, None, None)


async def _run(args: argparse.Namespace, stack: Stack, receiver: Any) -> None:
    from core import outbox
    from core.events import StageAdvanced
    from core.models import Delivery, DeliveryStatus
    from core.models.subscriber import TopicKind
    from core.services import subscribers
    from core.services.subscribers import TopicInput
    from tests import factories

    pairs = [await factories.pair(f"Kota {i}", f"Stadt {i}", "DE") for i in range(20)]
    for i in range(args.subscribers):
        await subscribers.create(
            owner_id=None,
            name=f"bench {i}",
            webhook_url=receiver.url,
            webhook_enabled=True,
            topic=TopicInput(kind=TopicKind.ALL),
            event_types=["partnership.stage_advanced"],
            actor="bench",
        )
    stack.spawn(Stack.RELAY, Stack.worker(args.threads), env=stack.env(**WEBHOOK_ENV))
    time.sleep(3)  # the worker boots (imports, database pool) before the clock starts

    total = int(args.rate * args.seconds)
    committed: dict[str, float] = {}
    began = time.perf_counter()
    for i in range(total):
        await asyncio.sleep(max(0.0, began + i / args.rate - time.perf_counter()))
        p = pairs[i % len(pairs)]
        async with in_transaction():
            row = await outbox.record(
                StageAdvanced(
                    partnership_id=p.id,
                    from_stage="implementation",
                    to_stage="evaluation",
                    status="active",
                    round=1,
                    reason="bench",
                ),
                actor="bench",
            )
        committed[str(row.event_id)] = time.time()
    expected = total * args.subscribers
    received = await asyncio.to_thread(receiver.wait_for, expected, 120.0)
    await asyncio.sleep(1.0)
    duplicates = len(receiver.received) - expected
    latencies = [(r.at - committed[r.headers["webhook-id"]]) * 1000 for r in received]
    delivered = await Delivery.filter(status=DeliveryStatus.DELIVERED).count()
    rows = await Delivery.all().values_list("created_at", "delivered_at", "envelope")
    plan_lag = [
        (made - datetime.fromisoformat(env["occurred_at"])).total_seconds() * 1000
        for made, _, env in rows
    ]
    send_lag = [(done - made).total_seconds() * 1000 for made, done, _ in rows if done]
    print(
        f"  of which event -> delivery planned p50 {percentile(plan_lag, 0.5):.1f} ms, "
        f"planned -> delivered p50 {percentile(send_lag, 0.5):.1f} ms"
    )
    print(
        f"commit -> webhook received at {args.rate:.0f} transitions/s for "
        f"{args.seconds:.0f}s, {args.subscribers} subscriber(s), {args.threads} worker "
        f"threads ({len(latencies)} webhooks): p50 {percentile(latencies, 0.5):.1f} ms, "
        f"p99 {percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms; "
        f"{delivered} deliveries delivered, {duplicates} duplicate requests"
    )

if __name__ == "__main__":
    asyncio.run(main())
