"""The Dramatiq broker, built once per process from the settings, before any actor is declared.

Redis configured (``KEMBAR_REDIS_URL``): a :class:`RedisBroker` whose workers run async actors on
one event loop per process (``AsyncIO``) and open the database once per process on it
(:class:`Database`). No Redis: a :class:`StubBroker` for the embedded, in-process mode, whose
actors run on the host's own event loop and database (see :mod:`workers.embedded`).
Nothing connects anywhere at import time.
"""

from __future__ import annotations

import json
import logging

import dramatiq
import redis
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import (
    AgeLimit,
    AsyncIO,
    Callbacks,
    Middleware,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from core.db import close_db, init_db
from core.services.dead_letters import error_key
from core.settings import Settings, get_settings

log = logging.getLogger(__name__)


class Database(Middleware):
    """Open Tortoise once per worker process, on the event loop the async actors run on, before
    the first message is taken (``before_worker_boot`` runs after AsyncIO's, which starts it)."""

    def __init__(self, database_url: str, pool_max: int) -> None:
        self.database_url = database_url
        self.pool_max = pool_max

    def before_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        thread = get_event_loop_thread()
        assert thread is not None, "the AsyncIO middleware must come before Database"
        thread.run_coroutine(init_db(self.database_url, pool_max=self.pool_max))

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        thread = get_event_loop_thread()
        if thread is not None:
            thread.run_coroutine(close_db())


class DeadLetterErrors(Middleware):
    """Keep a dead-lettered message's error beside it in Redis (the broker keeps only the body),
    for ``kembar dead-letters`` and the admin query; it expires with the dead letter."""

    def after_nack(self, broker: dramatiq.Broker, message: dramatiq.MessageProxy) -> None:
        if not isinstance(broker, RedisBroker):
            return
        trace = str(message.options.get("traceback") or "")
        lines = [line for line in trace.strip().splitlines() if line.strip()]
        queue = message.queue_name.removesuffix(".DQ")
        try:
            broker.client.set(
                error_key(queue, message.options["redis_message_id"]),
                json.dumps(
                    {
                        "error": lines[-1] if lines else "",
                        "traceback": trace,
                        "retries": message.options.get("retries", 0),
                    }
                ),
                px=broker.dead_message_ttl,
            )
        except Exception:  # the dead letter itself is safe; only its error text is lost
            log.exception("could not record the error of a dead message")


def _middleware() -> list[Middleware]:
    # Dramatiq's defaults, listed so that nothing is added twice; Retries' defaults (20 retries
    # over 7 days) are overridden per actor in workers.actors.
    return [
        AgeLimit(),
        TimeLimit(),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(),
        DeadLetterErrors(),
    ]


def build_broker(settings: Settings) -> dramatiq.Broker:
    """The broker these settings ask for (see the module docstring)."""
    if not settings.redis_url:
        return StubBroker(middleware=_middleware())
    client = redis.Redis.from_url(
        settings.redis_url, socket_connect_timeout=5, socket_timeout=15, health_check_interval=30
    )
    return RedisBroker(
        client=client,
        middleware=[
            *_middleware(),
            AsyncIO(),
            Database(settings.database_url, pool_max=settings.db_pool_max),
        ],
        heartbeat_timeout=settings.redis_heartbeat_timeout_ms,
        maintenance_chance=settings.redis_maintenance_chance,
    )


broker = build_broker(get_settings())
dramatiq.set_broker(broker)
