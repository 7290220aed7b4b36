"""Count the SQL statements one GraphQL request costs, through the real ASGI app (no network).

Every statement Tortoise sends is logged on ``tortoise.db_client`` at DEBUG; this counts those log
records per request. It also times sequential requests in-process (one client, no HTTP), which is
the server-side cost of a request without queueing. Used by ``bench/graphql_load.py``; by hand:

    KEMBAR_DATABASE_URL=postgres://postgres@127.0.0.1:5432/DB .venv/bin/python bench/sqlcount.py

Prints one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import statistics
import time

import httpx

PAGE = (
    "{ partnerships(first: %d) { edges { node { id stage "
    "indonesianRegion { name } foreignRegion { name country { name } } "
    "programs { title budget } history { toStage at actor } } } } }"
)
QUERIES = {
    "page": PAGE % 20,
    "page10": PAGE % 10,
    "page100": PAGE % 100,
    "typename": "{ __typename }",
}


class Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if text.lstrip().split(" ", 1)[0].upper() in {
            "SELECT",
            "INSERT",
            "UPDATE",
            "DELETE",
            "WITH",
        }:
            self.statements.append(text)


async def main(repeat: int = 20) -> dict[str, dict[str, object]]:
    from api.app import create_app
    from core.db import close_db, init_db
    from core.settings import get_settings

    settings = get_settings()
    await init_db(settings.database_url, pool_max=settings.db_pool_max)
    counter = Counter()
    db_log = logging.getLogger("tortoise.db_client")
    db_log.addHandler(counter)
    db_log.setLevel(logging.DEBUG)
    db_log.propagate = False
    out: dict[str, dict[str, object]] = {}
    try:
        app = create_app(settings, manage_db=False)
        transport = httpx.ASGITransport(app=app)
        token = os.environ.get("BENCH_TOKEN")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers=headers
        ) as client:
            for name, query in QUERIES.items():

                async def post(query: str = query) -> httpx.Response:
                    return await client.post("/graphql", json={"query": query})

                response = await post()  # warm the parser/validation caches
                body = response.json()
                counter.statements.clear()
                response = await post()
                statements = list(counter.statements)
                db_log.setLevel(logging.INFO)  # no logging cost while timing
                times = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    await post()
                    times.append(time.perf_counter() - started)
                db_log.setLevel(logging.DEBUG)
                out[name] = {
                    "status": response.status_code,
                    "errors": bool(body.get("errors")),
                    "statements": len(statements),
                    "tables": [_table(s) for s in statements],
                    "median_ms": round(1000 * statistics.median(times), 2),
                    "min_ms": round(1000 * min(times), 2),
                }
    finally:
        await close_db()
    return out


def _table(sql: str) -> str:
    words = sql.replace('"', "").split()
    for i, word in enumerate(words):
        if word.upper() == "FROM" and i + 1 < len(words):
            return words[i + 1]
    return words[0]


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
