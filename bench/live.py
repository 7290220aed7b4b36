"""Live subscriptions: commit-to-message latency through the whole pipeline, and how many
concurrent subscribers one API process holds with p99 fan-out latency under 100 ms.

    .venv/bin/python bench/live.py [--rate 20] [--seconds 10] [--watchers 10]
                                   [--ramp 100,500,1000,2000,4000] [--events 20]
                                   [--event-rate 2] [--clients 2]

1. Pipeline: a fresh PostgreSQL database, its own redis-server, `kembar relay`, a Dramatiq worker
   and one API process (uvicorn). ``--watchers`` websocket clients subscribe (admin token, no
   filter); this process commits one ``partnership.stage_advanced`` event per transaction (through
   ``core.outbox.record``, as a transition does) at ``--rate`` per second for ``--seconds``.
   Latency = a client's receive time - the commit's return time (same machine clock).
2. Fan-out: for each N in ``--ramp``, N websocket connections (one subscription each, spread over
   ``--clients`` client processes) on the same API process; ``--events`` envelopes are appended to
   the events stream directly (XADD, as the notify actor does; ``--event-rate`` per second)
   carrying their send time. Latency = receive time - XADD time, over every (client, event). The
   ramp stops after a step that loses messages or whose p99 passes 1 s; the last line names the
   largest N with p99 under 100 ms.
3. In-process: the same N subscriptions executed by the schema in this process, without sockets
   or clients: the time from one notice until every subscription has its result (what the API
   process spends per event, free of the clients' share of a small machine).

Needs PostgreSQL (KEMBAR_BENCH_POSTGRES, default postgres://postgres@127.0.0.1:5432/postgres) and
redis-server on PATH; creates and drops its own database, runs its own Redis on a free port.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stack import Stack, free_port  # bench/stack.py (this script's folder is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STREAM = "kembar:events:stream"
QUERY = "subscription { partnershipEvents { cursor eventId payload } }"
LIMIT_MS = 100.0


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


# --- the client side (also run as `bench/live.py client ...` in child processes) ------------------


async def subscriber(
    url: str, token: str, ready: asyncio.Event, stop: asyncio.Event, out: list[Any], key: str
) -> None:
    """One connection, one subscription: appends (eventId, receive time, payload[key]) for each
    message."""
    from websockets.asyncio.client import connect

    async with connect(url, subprotocols=["graphql-transport-ws"], max_queue=None) as ws:  # type: ignore[arg-type]
        params = {"authorization": f"Bearer {token}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": params}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        payload = {"query": QUERY}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        ready.set()
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            received = time.time()
            message = json.loads(raw)
            if message.get("type") != "next" or "errors" in message["payload"]:
                raise RuntimeError(f"unexpected message {message}")
            data = message["payload"]["data"]["partnershipEvents"]
            out.append((data["eventId"], received, data["payload"].get(key)))


async def run_clients(url: str, token: str, count: int, seconds: float, key: str) -> dict[str, Any]:
    """``count`` subscribers for ``seconds`` after all are connected; their latencies (ms) from
    ``payload[key]`` (the send time)."""
    seen: list[Any] = []
    stop = asyncio.Event()
    readies = [asyncio.Event() for _ in range(count)]
    gate = asyncio.Semaphore(64)  # handshakes in flight

    async def one(ready: asyncio.Event) -> None:
        async with gate:
            task = asyncio.create_task(subscriber(url, token, ready, stop, seen, key))
            waiting = asyncio.create_task(ready.wait())
            await asyncio.wait([task, waiting], return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
        await task

    tasks = [asyncio.create_task(one(r)) for r in readies]
    connected = asyncio.gather(*(r.wait() for r in readies))
    failed_early = asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.wait([connected, failed_early], return_when=asyncio.FIRST_COMPLETED)
    print("READY", flush=True)
    await asyncio.sleep(seconds)
    stop.set()
    results = await failed_early
    connected.cancel()
    failed = [repr(r) for r in results if isinstance(r, BaseException)]
    latencies = [(received - float(sent)) * 1000 for _id, received, sent in seen if sent]
    return {"latencies": latencies, "failed": failed[:3], "failures": len(failed)}


def client_main(argv: list[str]) -> None:
    url, token, count, seconds, key = argv[0], argv[1], int(argv[2]), float(argv[3]), argv[4]
    result = asyncio.run(run_clients(url, token, count, seconds, key))
    print("RESULT " + json.dumps(result), flush=True)


class Clients:
    """Child processes each holding some subscribers."""

    def __init__(self, url: str, token: str, total: int, processes: int, seconds: float) -> None:
        self.children: list[subprocess.Popen[str]] = []
        share = [total // processes + (1 if i < total % processes else 0) for i in range(processes)]
        for count in share:
            if count:
                argv = [sys.executable, __file__, "client", url, token, str(count), str(seconds)]
                self.children.append(
                    subprocess.Popen([*argv, "bench_sent"], stdout=subprocess.PIPE, text=True)
                )

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for child in self.children:
            assert child.stdout is not None
            while True:
                line = child.stdout.readline()
                if line.strip() == "READY":
                    break
                if not line or time.monotonic() > deadline:
                    raise RuntimeError("clients did not connect")

    def results(self) -> tuple[list[float], int, list[str]]:
        latencies: list[float] = []
        failures, samples = 0, []
        for child in self.children:
            out, _ = child.communicate(timeout=120)
            for line in out.splitlines():
                if line.startswith("RESULT "):
                    found = json.loads(line[7:])
                    latencies += found["latencies"]
                    failures += found["failures"]
                    samples += found["failed"]
        return latencies, failures, samples

    def kill(self) -> None:
        for child in self.children:
            if child.poll() is None:
                child.kill()
                child.wait()


# --- the server side ---------------------------------------------------------------------------


def answers(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode()
    except (urllib.error.URLError, OSError):
        return None


def live_count(port: int) -> float:
    text = answers(f"http://127.0.0.1:{port}/metrics") or ""
    found = re.search(r"^kembar_live_subscriptions (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else -1.0


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) of ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def envelope(partnership_id: int, sent: float) -> str:
    return json.dumps(
        {
            "event_id": str(uuid.uuid4()),
            "type": "program.updated",
            "version": 1,
            "occurred_at": datetime.now(UTC).isoformat(),
            "aggregate_type": "program",
            "aggregate_id": "1",
            "actor": "bench",
            "correlation_id": "bench",
            "payload": {
                "partnership_id": partnership_id,
                "program_id": 1,
                "changed": ["budget"],
                "bench_sent": sent,
            },
            "seq": None,
        }
    )


async def pipeline(
    api_port: int, token: str, partnerships: list[int], rate: float, seconds: float, watchers: int
) -> tuple[list[float], int]:
    """Commit one stage_advanced event per transaction at ``rate``; latencies (ms) from commit to
    each watcher's message, and how many (watcher, event) messages never came."""
    from tortoise.transactions import in_transaction

    from core import outbox
    from core.events import StageAdvanced

    url = f"ws://127.0.0.1:{api_port}/graphql"
    seen: list[Any] = []
    stop = asyncio.Event()
    readies = [asyncio.Event() for _ in range(watchers)]
    tasks = [asyncio.create_task(subscriber(url, token, r, stop, seen, "-")) for r in readies]
    await asyncio.gather(*(r.wait() for r in readies))
    while live_count(api_port) < watchers:
        await asyncio.sleep(0.05)
    committed: dict[str, float] = {}
    total = int(rate * seconds)
    began = time.perf_counter()
    for i in range(total):
        await asyncio.sleep(max(0.0, began + i / rate - time.perf_counter()))
        event = StageAdvanced(
            partnership_id=partnerships[i % len(partnerships)],
            from_stage="identification",
            to_stage="exploration",
            status="in_preparation",
            round=1,
            reason="bench",
        )
        async with in_transaction():
            row = await outbox.record(event, actor="bench")
        committed[str(row.event_id)] = time.time()
    deadline = time.monotonic() + 30
    while len(seen) < total * watchers and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    latencies = [(received - committed[e]) * 1000 for e, received, _ in seen if e in committed]
    return latencies, total * watchers - len(latencies)


async def fanout_step(
    api_port: int,
    api_pid: int,
    redis_url: str,
    token: str,
    n: int,
    events: int,
    rate: float,
    clients: int,
) -> dict[str, Any]:
    """N subscribers; ``events`` envelopes XADDed at ``rate`` per second; fan-out latencies."""
    import redis.asyncio as aioredis

    seconds = events / rate + 5
    group = Clients(f"ws://127.0.0.1:{api_port}/graphql", token, n, clients, seconds)
    try:
        group.wait_ready(timeout=300)
        deadline = time.monotonic() + 60
        while live_count(api_port) < n and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        held = live_count(api_port)
        cpu_before, began = server_cpu(api_pid), time.monotonic()
        client = aioredis.Redis.from_url(redis_url)
        for i in range(events):
            await asyncio.sleep(max(0.0, began + i / rate - time.monotonic()))
            await client.xadd(STREAM, {"envelope": envelope(1, time.time())})
        await client.aclose()
        await asyncio.sleep(2)
        cpu = (server_cpu(api_pid) - cpu_before) / (time.monotonic() - began)
        latencies, failures, samples = group.results()
    finally:
        group.kill()
    expected = int(held) * events
    return {
        "n": n,
        "held": int(held),
        "received": len(latencies),
        "expected": expected,
        "p50": percentile(latencies, 0.5) if latencies else float("nan"),
        "p99": percentile(latencies, 0.99) if latencies else float("nan"),
        "max": max(latencies) if latencies else float("nan"),
        "cpu": cpu,
        "failures": failures,
        "samples": samples,
    }


async def in_process(n: int, events: int = 5) -> list[float]:
    """N subscriptions executed by the schema in this process (no sockets, no database: an admin
    without filters); per event, ms from publishing a notice until every subscription has its
    result."""
    from core import notices
    from core.fanout import Fanout, LocalSource
    from core.policy import Principal, Role
    from schema import schema
    from schema.context import Context

    fanout = Fanout(LocalSource(), max_subscriptions=n, queue_size=100)
    await fanout.start()
    principal = Principal(actor="bench", role=Role.ADMIN)
    streams = [
        await schema.subscribe(QUERY, context_value=Context(principal=principal, live=fanout))
        for _ in range(n)
    ]
    spans = []
    for _ in range(events):
        pending = [asyncio.ensure_future(anext(s)) for s in streams]  # type: ignore[call-overload]
        while fanout.live < n:
            await asyncio.sleep(0.001)
        began = time.perf_counter()
        notices.publish_local(envelope(1, time.time()))
        results = await asyncio.gather(*pending)
        spans.append((time.perf_counter() - began) * 1000)
        assert not any(r.errors for r in results), results[0].errors
    for stream in streams:
        await stream.aclose()  # type: ignore[union-attr]
    await fanout.stop()
    return spans


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--watchers", type=int, default=10)
    parser.add_argument("--ramp", default="100,500,1000,2000,4000")
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--event-rate", type=float, default=2.0)
    parser.add_argument("--clients", type=int, default=2)
    args = parser.parse_args()

    from core.policy import Role
    from core.services import accounts
    from tests import factories

    async with Stack.running(prefix="kembar-bench-live-") as stack:
        redis_url, tmp = stack.redis_url, stack.tmp
        account = await accounts.create_account(
            email="bench@kembar.test", role=Role.ADMIN, region_ids=[], actor="bench"
        )
        token = (await accounts.create_token(account_id=account.id, actor="bench")).secret
        pairs = [(await factories.pair(f"Kota {i}", f"Stadt {i}", "DE")).id for i in range(10)]
        api_port = free_port()
        env = stack.env(
            KEMBAR_RATE_LIMIT_PER_MINUTE="0",
            KEMBAR_RATE_LIMIT_IP_PER_MINUTE="0",
            KEMBAR_LIVE_SUBSCRIPTIONS_MAX="100000",
            KEMBAR_LOG_LEVEL="WARNING",
        )
        *_, api = stack.spawn(Stack.RELAY, Stack.worker(4), Stack.api(api_port), env=env)
        deadline = time.monotonic() + 60
        while answers(f"http://127.0.0.1:{api_port}/healthz") is None:
            if time.monotonic() > deadline or api.poll() is not None:
                raise RuntimeError(f"the API did not start; see {tmp}/2.log")
            await asyncio.sleep(0.1)
        api_pid = api.pid
        await asyncio.sleep(2)  # the relay and worker connect

        latencies, lost = await pipeline(
            api_port, token, pairs, args.rate, args.seconds, args.watchers
        )
        print(
            f"commit -> subscription message, {args.rate:.0f} transitions/s for "
            f"{args.seconds:.0f}s, {args.watchers} subscribers ({len(latencies)} messages, "
            f"{lost} missing): p50 {percentile(latencies, 0.5):.1f} ms, "
            f"p99 {percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms"
        )
        print()
        best = 0
        print(f"fan-out: {args.events} events at {args.event_rate:g}/s, XADD -> message")
        print("| subscribers | held | messages | p50 ms | p99 ms | max ms | server CPU |")
        print("|---|---|---|---|---|---|---|")
        for n in (int(x) for x in args.ramp.split(",")):
            row = await fanout_step(
                api_port, api_pid, redis_url, token, n, args.events, args.event_rate, args.clients
            )
            print(
                f"| {n} | {row['held']} | {row['received']}/{row['expected']} | "
                f"{row['p50']:.1f} | {row['p99']:.1f} | {row['max']:.1f} | "
                f"{row['cpu']:.2f} |",
                flush=True,
            )
            if row["failures"]:
                print(f"  {row['failures']} clients failed, e.g. {row['samples']}")
            if row["p99"] < LIMIT_MS and row["received"] == row["expected"]:
                best = n
            if row["p99"] >= 10 * LIMIT_MS or row["received"] < row["expected"] or not row["held"]:
                break
            await asyncio.sleep(2)  # the previous clients' connections close
        print(f"largest N with p99 < {LIMIT_MS:.0f} ms and nothing lost: {best or 'none'}")
        print()
        print("in-process (schema only, no sockets): one notice to N subscriptions, median of 5")
        print("| subscriptions | ms until all have their result | ms per subscription |")
        print("|---|---|---|")
        for n in (int(x) for x in args.ramp.split(",")):
            span = percentile(await in_process(n), 0.5)
            print(f"| {n} | {span:.1f} | {span / n:.3f} |", flush=True)
        print(f"(load average {os.getloadavg()[0]:.2f}; logs in {tmp})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "client":
        client_main(sys.argv[2:])
    else:
        asyncio.run(main())
