"""Latency of portfolio statistics (and one watch pass) on PostgreSQL with the real datasets.

    .venv/bin/python bench/statistics_latency.py [--pages 10] [--repeat 200] [--keep-db]

1. Creates a fresh PostgreSQL database and loads it like bench/graphql_load.py does: migrate,
   import-cities, seed-demo, import-pairs (the worldwide and the Indonesian lists, read from
   ../shared/data), then synthetic stages, papers, programs and activities for the first
   ``--pages`` pages of 20 partnerships (bench/synthetic.py). Prints the dataset sizes.
2. In this process: ``core.services.statistics.portfolio`` for the whole country and for the
   province with the most partnerships (its regions included), ``--repeat`` times each after a
   warm-up, and the same through the GraphQL API (the ASGI app over httpx, no network); prints
   p50, p95 and max in milliseconds and the SQL statements one call costs.
   ``--extra-programs N`` then adds N more programs with three activities each, spread over the
   partnerships, with bulk inserts (not through the services: volume only, no outbox events), to
   see how the grouped queries grow with the data.
3. Times one pass of the dormancy and expiry watch (``core.services.watch.tick``), twice (the
   second finds nothing to do).
4. Drops the database (unless --keep-db).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[0] = str(HERE.parent)  # this file is named like a stdlib module: keep bench/ off the path

from bench.graphql_load import PG, _admin, _counts, _load_data, _vacuum  # noqa: E402

COUNTED = ("partnership", "program", "activity", "stage_change", "city")
QUERY = """query($regionId: ID) { portfolioStatistics(regionId: $regionId) {
  partnerships byStage { stage partnerships } byStatus { status partnerships }
  byCountry { countryCode partnerships } byArea { area partnerships }
  bySignedYear { year partnerships } programs
  programsByArea { area programs budget { currency amount } }
  programsByFundingSource { fundingSource programs budget { currency amount } }
  participantsByYear { year activities inbound outbound } dormant expiringWithin6Months } }"""


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(label: str, samples: list[float], statements: int) -> None:
    ms = [s * 1000 for s in samples]
    print(
        f"  {label:<44} p50 {percentile(ms, 0.5):6.2f} ms  p95 {percentile(ms, 0.95):6.2f} ms  "
        f"max {max(ms):6.2f} ms  ({len(ms)} calls, {statements} SQL statements each)"
    )


class Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.n = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "%s: %s":
            self.n += 1


async def bulk_programs(database_url: str, count: int) -> None:
    """``count`` programs with three activities each, spread over every partnership."""
    import random
    from datetime import date, timedelta
    from decimal import Decimal

    from core.db import close_db, init_db
    from core.enums import Area, Direction, FundingSource, ProgramStatus, ProgramType
    from core.models import Activity, Partnership, Program

    rng = random.Random(7)
    await init_db(database_url)
    try:
        owners = await Partnership.all().values_list("id", flat=True)
        for start in range(0, count, 2000):
            made = await Program.bulk_create(
                [
                    Program(
                        partnership_id=rng.choice(owners),
                        title=f"bulk program {start + i}",
                        area=rng.choice(list(Area)),
                        type=rng.choice(list(ProgramType)),
                        status=rng.choice(list(ProgramStatus)),
                        budget=Decimal(rng.randrange(10, 900) * 1_000_000),
                        funding_source=rng.choice([*FundingSource, None]),
                    )
                    for i in range(min(2000, count - start))
                ]
            )
            ids = [p.id for p in made] if made and made[0].id else None
            if ids is None:  # the backend did not return ids: read them back
                ids = await Program.filter(title__startswith="bulk program ").values_list(
                    "id", flat=True
                )
                ids = ids[start : start + 2000]
            await Activity.bulk_create(
                [
                    Activity(
                        program_id=pid,
                        occurred_on=date(2018, 1, 1) + timedelta(days=rng.randrange(3000)),
                        direction=rng.choice(list(Direction)),
                        participants=rng.randint(1, 80),
                        recorded_by="bench",
                    )
                    for pid in ids
                    for _ in range(3)
                ]
            )
    finally:
        await close_db()


async def measure(database_url: str, repeat: int) -> None:
    import base64

    import httpx

    from api.app import create_app
    from core import clock
    from core.db import close_db, init_db
    from core.models import City
    from core.policy import Role
    from core.services import accounts, statistics, watch
    from core.settings import Settings

    await init_db(database_url)
    counter = Counter()
    logger = logging.getLogger("tortoise.db_client")
    try:
        provinces = await City.filter(country_id="ID", level="province").values_list("id", "name")
        sizes = []
        for pid, name in provinces:
            stats = await statistics.portfolio(region_id=pid, today=clock.today())
            sizes.append((stats.partnerships, pid, name))
        size, province_id, province = max(sizes)
        whole = await statistics.portfolio(region_id=None, today=clock.today())
        print(
            f"  whole country: {whole.partnerships} partnerships, {whole.programs} programs, "
            f"{sum(y.activities for y in whole.participants_by_year)} activities; "
            f"{province}: {size} partnerships"
        )
        settings = Settings(
            database_url=database_url, rate_limit_per_minute=0, rate_limit_ip_per_minute=0
        )
        app = create_app(settings, manage_db=False)
        transport = httpx.ASGITransport(app=app)
        viewer = await accounts.create_account(
            email=f"stats-{secrets.token_hex(4)}@bench.test", role=Role.VIEWER, actor="bench"
        )
        token = (await accounts.create_token(account_id=viewer.id, actor="bench")).secret
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://bench",
            headers={"Authorization": f"Bearer {token}"},  # a viewer counts every status
        ) as client:
            for label, region in (("whole country", None), (province, province_id)):

                async def service(region: int | None = region) -> None:
                    await statistics.portfolio(region_id=region, today=clock.today())

                gid = base64.b64encode(f"City:{region}".encode()).decode() if region else None

                async def graphql(gid: str | None = gid) -> None:
                    response = await client.post(
                        "/graphql", json={"query": QUERY, "variables": {"regionId": gid}}
                    )
                    body = response.json()
                    if response.status_code != 200 or "errors" in body:
                        raise RuntimeError(body)

                for kind, call in (("service", service), ("GraphQL", graphql)):
                    for _ in range(5):
                        await call()
                    logger.setLevel(logging.DEBUG)
                    logger.addHandler(counter)
                    counter.n = 0
                    await call()
                    statements = counter.n
                    logger.removeHandler(counter)
                    logger.setLevel(logging.WARNING)
                    samples = []
                    for _ in range(repeat):
                        started = time.perf_counter()
                        await call()
                        samples.append(time.perf_counter() - started)
                    report(f"{kind}: {label}", samples, statements)
        for attempt in ("first", "second"):
            started = time.perf_counter()
            result = await watch.tick(now=clock.now())
            print(
                f"  watch pass ({attempt}): {(time.perf_counter() - started) * 1000:.0f} ms, "
                f"{result.checked} partnerships checked, {result.changed} changes"
            )
    finally:
        await close_db()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10, help="pages of 20 given synthetic data")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--extra-programs", type=int, default=0, help="bulk programs to add")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    name = f"kembar_bench_stats_{secrets.token_hex(4)}"
    database_url = f"{PG}/{name}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    env = {**os.environ, "KEMBAR_DATABASE_URL": database_url, "KEMBAR_DEMO_DATA": "false"}
    env.pop("KEMBAR_REDIS_URL", None)
    try:
        print(f"database {name}")
        with tempfile.TemporaryDirectory() as tmp:
            _load_data(env, args.pages, Path(tmp) / "token")
        if args.extra_programs:
            started = time.perf_counter()
            asyncio.run(bulk_programs(database_url, args.extra_programs))
            took = time.perf_counter() - started
            print(f"  bulk: {args.extra_programs} programs, 3 activities each ({took:.1f} s)")
        asyncio.run(_vacuum(name))
        counts = asyncio.run(_counts(name))
        print("  rows: " + ", ".join(f"{t} {counts[t]}" for t in COUNTED if t in counts))
        os.environ["KEMBAR_DATABASE_URL"] = database_url
        asyncio.run(measure(database_url, args.repeat))
    finally:
        if args.keep_db:
            print(f"kept {database_url}")
        else:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0


if __name__ == "__main__":
    sys.exit(main())
