"""The relay process loop: one active relay at a time, woken by NOTIFY, backing off when the
broker is down, pruning old rows. The claim/publish/mark logic itself is :mod:`core.relay`.

Why one active relay (PostgreSQL advisory lock) rather than several claiming with SKIP LOCKED:
see :mod:`core.relay` (per-partnership order). ``kembar relay`` may run on several machines; the
ones without the lock check for it every second and take over when the leader's session ends.

Wake-up: a statement trigger on ``outbox_event`` NOTIFYs ``kembar_outbox`` at commit; the leader
LISTENs on its lock connection, so a committed event is usually sent within milliseconds, with a
backstop poll (``relay_idle_poll_seconds``) in case a notification is missed. NOTIFY costs one
small queue entry per committing transaction, cheaper than every relay polling a few times a
second. On SQLite (embedded, one process) there is no NOTIFY: the relay polls every
``relay_poll_seconds`` over the partial index of unsent rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from core import clock, relay
from core.envelope import Envelope
from core.relay import Publish
from core.services import deliveries, watch
from core.settings import Settings
from workers import delivery_actors

log = logging.getLogger(__name__)

LOCK_KEY = 0x6B656D626172  # "kembar": the advisory lock that makes one relay the active one
CHANNEL = "kembar_outbox"
STANDBY_SECONDS = 1.0
PRUNE_EVERY_SECONDS = 600.0


class _Leadership:
    """Holds the advisory lock on a dedicated connection, which also LISTENs for new rows."""

    def __init__(self, database_url: str, wake: asyncio.Event) -> None:
        parts = urlsplit(database_url)
        self.dsn = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        self.wake = wake
        self.conn: asyncpg.Connection | None = None
        self.leading = False

    async def ensure(self) -> bool:
        """True while this relay holds the lock (tries to take it if not)."""
        if self.conn is not None and self.conn.is_closed():
            self.conn, self.leading = None, False
        if self.conn is None:
            self.conn = await asyncpg.connect(self.dsn)
            self.conn.add_termination_listener(lambda _conn: self.wake.set())
        if not self.leading:
            self.leading = bool(
                await self.conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY)
            )
            if self.leading:
                await self.conn.add_listener(CHANNEL, lambda *_: self.wake.set())
                log.info("relay: active (holds the outbox lock)")
        return self.leading

    async def check(self) -> None:
        """Notice a dead lock connection (the lock is gone with it)."""
        if self.conn is not None and not self.conn.is_closed():
            try:
                await self.conn.execute("SELECT 1")
                return
            except (asyncpg.PostgresError, OSError):
                pass
        log.warning("relay: lost the lock connection; standing by")
        await self.close()

    async def close(self) -> None:
        if self.conn is not None and not self.conn.is_closed():
            with contextlib.suppress(Exception):
                await self.conn.close(timeout=2)
        self.conn, self.leading = None, False


async def run_relay(publish: Publish, *, settings: Settings, stop: asyncio.Event) -> None:
    """Relay until ``stop`` is set. The database must already be open (Tortoise)."""
    publish = _logged(publish)
    postgres = not settings.is_sqlite
    wake = asyncio.Event()
    leadership = _Leadership(settings.database_url, wake) if postgres else None
    backoff = 0.0
    next_prune = 0.0
    next_watch = 0.0
    next_sweep = 0.0
    try:
        while not stop.is_set():
            if leadership is not None:
                try:
                    leading = await leadership.ensure()
                except (asyncpg.PostgresError, OSError) as exc:
                    log.warning("relay: cannot reach the database for the lock: %s", exc)
                    await leadership.close()
                    leading = False
                if not leading:
                    await _wait(stop, None, STANDBY_SECONDS)
                    continue
            wake.clear()  # before the claim: a notification during it means look again
            try:
                result = await relay.relay_batch(publish, limit=settings.relay_batch_size)
            except Exception:
                log.exception("relay: batch failed (database)")
                backoff = _next_backoff(backoff, settings.relay_backoff_max_seconds)
                await _wait(stop, None, backoff)
                if leadership is not None:
                    await leadership.check()
                continue
            if result.error is not None:
                backoff = _next_backoff(backoff, settings.relay_backoff_max_seconds)
                log.warning(
                    "relay: broker refused after %d sent (%s); retrying in %.1fs",
                    result.sent,
                    result.error,
                    backoff,
                )
                await _wait(stop, None, backoff)  # NOTIFY cannot help while the broker is down
                continue
            backoff = 0.0
            if result.sent:
                log.debug("relay: sent %d", result.sent)
            if settings.delivery_sweep_seconds and time.monotonic() >= next_sweep:
                next_sweep = time.monotonic() + settings.delivery_sweep_seconds
                await _sweep_deliveries()
            if result.claimed >= settings.relay_batch_size:
                continue
            if time.monotonic() >= next_prune:
                next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
                await _prune(settings)
            if settings.watch_interval_seconds and time.monotonic() >= next_watch:
                next_watch = time.monotonic() + settings.watch_interval_seconds
                await _watch()
            timeout = settings.relay_idle_poll_seconds if postgres else settings.relay_poll_seconds
            if not await _wait(stop, wake, timeout) and leadership is not None:
                await leadership.check()
    finally:
        if leadership is not None:
            await leadership.close()


def _logged(publish: Publish) -> Publish:
    """``publish`` that logs each event it handed over, under the event's correlation id."""

    async def publish_and_log(envelope: Envelope) -> None:
        await publish(envelope)
        log.info(
            "relay: published %s %s",
            envelope.type,
            envelope.event_id,
            extra={"correlation_id": envelope.correlation_id, "event_id": str(envelope.event_id)},
        )

    return publish_and_log


async def _prune(settings: Settings) -> None:
    try:
        outbox, processed = await relay.prune(
            sent_before_days=settings.outbox_retention_days,
            processed_before_days=settings.processed_retention_days,
        )
        finished = await deliveries.prune(before_days=settings.delivery_retention_days)
    except Exception:
        log.exception("relay: pruning failed")
        return
    if outbox or processed or finished:
        log.info(
            "relay: pruned %d sent events, %d processed keys, %d finished deliveries",
            outbox, processed, finished,
        )  # fmt: skip


async def _sweep_deliveries() -> None:
    """Send a message for every due delivery that has none (a lost message, a long retry wait,
    an admin's redeliver or replay): only the active relay sweeps."""
    try:
        count = await delivery_actors.sweep()
    except Exception:
        log.exception("relay: the delivery sweep failed")
        return
    if count:
        log.info("relay: swept %d due deliveries", count)


async def _watch() -> None:
    """One pass of the dormancy and expiry watch: only the active relay runs it, so exactly one
    runs in the cluster. Its events leave through the outbox like any other."""
    try:
        result = await watch.tick(now=clock.now())
    except Exception:
        log.exception("relay: the dormancy and expiry watch failed")
        return
    if result.changed or result.failed:
        log.info("relay: watch %s", result)


def _next_backoff(current: float, ceiling: float) -> float:
    return min(ceiling, max(0.1, current * 2))


async def _wait(stop: asyncio.Event, wake: asyncio.Event | None, seconds: float) -> bool:
    """Sleep until ``stop`` or ``wake`` is set or ``seconds`` pass; True if woken early."""
    waiters = [asyncio.ensure_future(stop.wait())]
    if wake is not None:
        waiters.append(asyncio.ensure_future(wake.wait()))
    done, pending = await asyncio.wait(
        waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED
    )
    for task in pending:
        task.cancel()
    return bool(done)
