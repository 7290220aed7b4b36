"""Readiness: can this process serve requests? The database answers ``SELECT 1`` and, when one is
configured, Redis answers ``PING``. Each check has its own short timeout, so a dead dependency
(a dropped packet, a half-open socket) never hangs the probe."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

OK = "ok"
NOT_CONFIGURED = "not configured"
DEFAULT_TIMEOUT = 1.5  # seconds, per check


@dataclass(frozen=True, slots=True)
class Readiness:
    checks: dict[str, str] = field(default_factory=dict)  # name -> "ok" | "not configured" | error

    @property
    def ready(self) -> bool:
        return all(value in (OK, NOT_CONFIGURED) for value in self.checks.values())


def _failure(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "error: timed out"
    return f"error: {type(exc).__name__}"  # no message: it may carry a host name or credentials


async def check_database(
    client: BaseDBAsyncClient | None = None, *, seconds: float = DEFAULT_TIMEOUT
) -> str:
    """``SELECT 1`` on the default Tortoise connection (or ``client``)."""
    try:
        async with asyncio.timeout(seconds):
            conn = client if client is not None else connections.get("default")
            await conn.execute_query("SELECT 1")
    except Exception as exc:
        return _failure(exc)
    return OK


async def check_redis(url: str | None, *, seconds: float = DEFAULT_TIMEOUT) -> str:
    """``PING`` on a fresh connection to ``url`` (a probe is rare: no pool is kept)."""
    if not url:
        return NOT_CONFIGURED
    client = aioredis.Redis.from_url(url, socket_connect_timeout=seconds, socket_timeout=seconds)
    try:
        async with asyncio.timeout(seconds):
            await client.ping()
    except Exception as exc:
        return _failure(exc)
    finally:
        await client.aclose()
    return OK


async def readiness(redis_url: str | None, *, seconds: float = DEFAULT_TIMEOUT) -> Readiness:
    """Both checks, concurrently: the probe takes at most ``seconds``."""
    database, redis_state = await asyncio.gather(
        check_database(seconds=seconds), check_redis(redis_url, seconds=seconds)
    )
    return Readiness({"database": database, "redis": redis_state})
