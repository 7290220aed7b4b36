"""The embedded mode (no Redis): the relay and a Dramatiq Worker on the StubBroker, inside the
host process, through the same code paths as the real processes. Async actors run on the host's
own event loop (and so on its Tortoise connections); the Worker's threads only wait for them.

``kembar serve`` calls, inside its lifespan, after Tortoise is initialised::

    async with workers.embedded.running(settings):
        ...  # serve

or ``handle = await start(settings)`` ... ``await handle.stop()``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from dramatiq import Worker
from dramatiq.asyncio import EventLoopThread, get_event_loop_thread, set_event_loop_thread
from dramatiq.brokers.stub import StubBroker

from core.settings import Settings
from workers.actors import ACTORS
from workers.broker import broker
from workers.publish import publisher
from workers.relay import run_relay

log = logging.getLogger(__name__)


class _HostLoop(EventLoopThread):
    """Dramatiq's event-loop-thread interface over a loop that is already running (the host's)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        threading.Thread.__init__(self, daemon=True)
        self.logger = log  # type: ignore[assignment]
        self.interrupt_check_ival = 0.1
        self.loop = loop

    def start(self, *, timeout: float | None = None) -> None:
        return None

    def stop(self) -> None:
        return None


@dataclass
class Embedded:
    worker: Worker
    relay_task: asyncio.Task[None]
    stop_event: asyncio.Event
    previous_loop_thread: EventLoopThread | None

    async def stop(self) -> None:
        """Stop the relay, let the worker finish its messages, stop it."""
        self.stop_event.set()
        await self.relay_task
        # Worker.stop joins its threads, which wait on coroutines running on this loop.
        await asyncio.to_thread(self.worker.stop)
        set_event_loop_thread(self.previous_loop_thread)


async def start(settings: Settings, *, worker_threads: int = 2) -> Embedded:
    """Start the in-process relay and worker. Needs the StubBroker (no ``redis_url``) and an
    initialised database in this process."""
    if not isinstance(broker, StubBroker):
        raise RuntimeError("the embedded workers need the StubBroker (KEMBAR_REDIS_URL unset)")
    assert ACTORS  # actors declared, so the worker consumes their queues
    previous = get_event_loop_thread()
    set_event_loop_thread(_HostLoop(asyncio.get_running_loop()))
    broker.emit_after("process_boot")
    worker = Worker(broker, worker_threads=worker_threads, worker_timeout=100)
    worker.start()
    stop_event = asyncio.Event()
    task = asyncio.create_task(
        run_relay(publisher(broker), settings=settings, stop=stop_event), name="kembar-relay"
    )
    log.info("embedded relay and worker started")
    return Embedded(worker, task, stop_event, previous)


@asynccontextmanager
async def running(settings: Settings, *, worker_threads: int = 2) -> AsyncIterator[Embedded]:
    """:func:`start` on entry, ``stop`` on exit."""
    handle = await start(settings, worker_threads=worker_threads)
    try:
        yield handle
    finally:
        await handle.stop()
