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
    prometheus,
)

from core import logs
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


class Logs(Middleware):
    """Log each handled message under its event's correlation id, so that one id finds the
    request, the relay's publish and each actor's work; ``boot``: a worker process (not the
    embedded mode, whose host already set up its logs) configures them as :mod:`core.logs`."""

    def __init__(self, *, boot: bool) -> None:
        self.boot = boot

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        if self.boot:
            logs.configure(get_settings(), role="worker")

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: dramatiq.MessageProxy,
        *,
        result: object = None,
        exception: BaseException | None = None,
    ) -> None:
        first = message.args[0] if message.args else None
        envelope = first if isinstance(first, dict) else {}
        extra = {
            "correlation_id": envelope.get("correlation_id"),
            "event_id": envelope.get("event_id"),
            "event_type": envelope.get("type"),
            "actor": message.actor_name,
        }
        about = f"{message.actor_name}: {extra['event_type']} {extra['event_id']}"
        if exception is None:
            log.info("%s handled", about, extra=extra)
        else:
            failure = f"{type(exception).__name__}: {exception}"
            log.warning("%s failed (%s)", about, failure, extra=extra)

    after_skip_message = after_process_message


class WorkerMetrics(prometheus.Prometheus):
    """Dramatiq's own Prometheus metrics (``dramatiq_messages_total`` ...), served by a process the
    worker forks on ``KEMBAR_WORKER_METRICS_PORT``. The relay and the API enqueue through the same
    broker without booting a worker: until boot, its producer-side hook does nothing."""

    booted = False

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        super().after_process_boot(broker)
        self.booted = True

    def after_enqueue(self, broker: dramatiq.Broker, message: dramatiq.Message, delay: int) -> None:
        if self.booted:
            super().after_enqueue(broker, message, delay)

    @property
    def forks(self) -> list[object]:
        return [serve_worker_metrics]


def serve_worker_metrics() -> int:
    """The exposition server (a process Dramatiq forks), on the configured port."""
    port = get_settings().worker_metrics_port
    prometheus.HTTP_PORT = port
    try:
        return int(prometheus._run_exposition_server())
    except OSError as error:  # the workers go on without metrics
        log.error("worker metrics: cannot listen on port %d (%s)", port, error)
        return 1


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
        return StubBroker(middleware=[*_middleware(), Logs(boot=False)])
    client = redis.Redis.from_url(
        settings.redis_url, socket_connect_timeout=5, socket_timeout=15, health_check_interval=30
    )
    return RedisBroker(
        client=client,
        middleware=[
            *_middleware(),
            AsyncIO(),
            Database(settings.database_url, pool_max=settings.db_pool_max),
            Logs(boot=True),
            *([WorkerMetrics()] if settings.worker_metrics_port else []),
        ],
        heartbeat_timeout=settings.redis_heartbeat_timeout_ms,
        maintenance_chance=settings.redis_maintenance_chance,
    )


broker = build_broker(get_settings())
dramatiq.set_broker(broker)
