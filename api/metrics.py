"""Prometheus metrics: ``/metrics`` in the text exposition format.

- ``kembar_http_requests_total{route, method, status, operation}`` and
  ``kembar_http_request_duration_seconds{route, operation}`` (a histogram), measured by a pure ASGI
  middleware around the whole app. ``operation`` is the GraphQL operation name for ``/graphql``.
- ``kembar_graphql_errors_total{code}``: one per entry of a response's ``errors``, by
  ``extensions.code``.
- ``kembar_outbox_unsent``, ``kembar_outbox_oldest_unsent_age_seconds``,
  ``kembar_outbox_failing``: the outbox backlog, read from the database at scrape time.
- ``kembar_deliveries{channel, status}``: notification deliveries, read at scrape time.
- ``kembar_live_subscriptions`` and ``kembar_live_{notices,delivered,slow_closed,refused}_total``:
  this process's live subscriptions and their fan-out (:class:`core.fanout.Fanout`).

Labels stay bounded: operation names and codes must look like GraphQL names, and only the first
``LABEL_LIMIT`` distinct values get their own series; later ones, and anything malformed, are
counted under ``other``. A request without an operation name is ``anonymous``.

Each uvicorn worker process has its own registry: with ``--workers N`` every scrape reaches one
process, so counters are per process (Prometheus' multiprocess mode is not used; scrape each
process, or run one API process per container).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.fanout import Fanout
from core.services.backlog import outbox_backlog
from core.services.deliveries import counts as delivery_counts

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
LABEL_LIMIT = 200
OTHER = "other"
ANONYMOUS = "anonymous"
NO_CODE = "unknown"
ROUTES = ("/graphql", "/healthz", "/readyz", "/metrics")
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BACKLOG_TIMEOUT = 2.0  # seconds: a slow database must not hang the scrape

# Keys in the request's state (scope["state"]), written by the GraphQL view (note_*).
OPERATION_KEY = "kembar_graphql_operation"
ERROR_CODES_KEY = "kembar_graphql_error_codes"

_OPERATION = re.compile(r"\b(?:query|mutation|subscription)\s+([A-Za-z_][A-Za-z0-9_]*)")
_COMMENT = re.compile(r"#[^\n\r]*")
_MAX_ERROR_BODY = 64 * 1024


class BoundedLabels:
    """Admits at most ``limit`` distinct well-formed values; the rest become ``other``."""

    def __init__(self, limit: int = LABEL_LIMIT) -> None:
        self.limit = limit
        self.seen: set[str] = {ANONYMOUS, NO_CODE}  # the fixed labels are always admitted

    def __call__(self, value: str) -> str:
        if value in self.seen:
            return value
        if not NAME.match(value) or len(self.seen) >= self.limit + 2:
            return OTHER
        self.seen.add(value)
        return value


def operation_name(query: str | None, given: str | None) -> str | None:
    """The operation's name: the request's ``operationName``, else the document's only named
    operation (a cheap scan, not a parse: it only labels a metric)."""
    if given:
        return given
    if not query:
        return None
    names = _OPERATION.findall(_COMMENT.sub("", query))
    return names[0] if len(names) == 1 else None


def note_operation(request: Any, query: str | None, given: str | None) -> None:
    request.state.kembar_graphql_operation = operation_name(query, given) or ANONYMOUS


def error_codes(body: Any) -> list[str]:
    """``extensions.code`` of each entry of ``body["errors"]`` (``unknown`` when absent)."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return []
    codes = []
    for error in errors:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        code = extensions.get("code") if isinstance(extensions, dict) else None
        codes.append(code if isinstance(code, str) and code else NO_CODE)
    return codes


def note_errors(request: Any, body: Any) -> None:
    request.state.kembar_graphql_error_codes = error_codes(body)


class Metrics:
    """One registry and its metrics (one per app, so tests can build many apps)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.operations = BoundedLabels()
        self.codes = BoundedLabels()
        self.requests = Counter(
            "kembar_http_requests",
            "HTTP requests by route, method, status and GraphQL operation name",
            ["route", "method", "status", "operation"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "kembar_http_request_duration_seconds",
            "HTTP request latency by route and GraphQL operation name",
            ["route", "operation"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "kembar_graphql_errors",
            "GraphQL errors in responses, by extensions.code",
            ["code"],
            registry=self.registry,
        )
        self.unsent = Gauge(
            "kembar_outbox_unsent", "Outbox events not yet relayed", registry=self.registry
        )
        self.oldest_age = Gauge(
            "kembar_outbox_oldest_unsent_age_seconds",
            "Age of the oldest unsent outbox event (0 when none waits)",
            registry=self.registry,
        )
        self.failing = Gauge(
            "kembar_outbox_failing",
            "Unsent outbox events whose last publish attempt failed",
            registry=self.registry,
        )
        self.backlog_up = Gauge(
            "kembar_outbox_backlog_up",
            "1 when the last scrape could read the outbox backlog, else 0",
            registry=self.registry,
        )

        self.deliveries = Gauge(
            "kembar_deliveries",
            "Notification deliveries by channel and status, read at scrape time",
            ["channel", "status"],
            registry=self.registry,
        )

    def watch_live(self, live: Fanout) -> None:
        """Live subscriptions of this process, read at scrape time."""
        self.registry.register(LiveCollector(live))

    def observe(self, route: str, method: str, status: int, operation: str, seconds: float) -> None:
        self.requests.labels(route, method, str(status), operation).inc()
        self.latency.labels(route, operation).observe(seconds)

    def count_errors(self, codes: list[str]) -> None:
        for code in codes:
            self.errors.labels(self.codes(code)).inc()

    async def refresh_backlog(self) -> None:
        try:
            async with asyncio.timeout(BACKLOG_TIMEOUT):
                backlog = await outbox_backlog()
        except Exception:
            self.backlog_up.set(0)
            return
        self.unsent.set(backlog.unsent)
        self.oldest_age.set(backlog.oldest_age_seconds or 0.0)
        self.failing.set(backlog.failing)
        self.backlog_up.set(1)
        try:
            async with asyncio.timeout(BACKLOG_TIMEOUT):
                by_pair = await delivery_counts()
        except Exception:
            return
        for (channel, status), count in by_pair.items():
            self.deliveries.labels(channel.value, status.value).set(count)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class LiveCollector(Collector):
    """``kembar_live_subscriptions`` (gauge) and the fan-out's counters: notices read from the
    events stream, notices handed to subscriptions, slow subscriptions closed, refusals at the
    limit."""

    def __init__(self, live: Fanout) -> None:
        self.live = live

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "kembar_live_subscriptions", "Live subscriptions in this process", value=self.live.live
        )
        for name, text, value in (
            ("notices", "Notices read from the events stream", self.live.notices),
            ("delivered", "Notices handed to live subscriptions", self.live.delivered),
            ("slow_closed", "Live subscriptions closed for falling behind", self.live.closed_slow),
            ("refused", "Live subscriptions refused at the limit", self.live.refused),
        ):
            yield CounterMetricFamily(f"kembar_live_{name}", text, value=value)


def route_label(path: str) -> str:
    if path in ROUTES:
        return path
    if path.startswith("/static/"):
        return "/static"
    return OTHER


class MetricsMiddleware:
    """Pure ASGI: times every HTTP request and counts it with the GraphQL operation name and the
    error codes the GraphQL view left in the request state. Error responses written before the
    view runs (body too large, rate limited, bad token) are read for their codes."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        route = route_label(scope.get("path", ""))
        status = 500
        json_error = False
        body = bytearray()
        start = time.perf_counter()

        async def measuring_send(message: Message) -> None:
            nonlocal status, json_error
            if message["type"] == "http.response.start":
                status = message["status"]
                content_type = dict(message.get("headers") or []).get(b"content-type", b"")
                json_error = status >= 400 and b"json" in content_type
            elif message["type"] == "http.response.body" and json_error:
                if len(body) < _MAX_ERROR_BODY:
                    body.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, measuring_send)
        finally:
            operation = ""
            if route == "/graphql":
                operation = self.metrics.operations(state.get(OPERATION_KEY, ANONYMOUS))
                codes = state.get(ERROR_CODES_KEY)
                if codes is None and json_error:
                    codes = _codes_from(bytes(body))
                self.metrics.count_errors(codes or [])
            self.metrics.observe(
                route, scope.get("method", ""), status, operation, time.perf_counter() - start
            )


def _codes_from(body: bytes) -> list[str]:
    try:
        return error_codes(json.loads(body))
    except ValueError:
        return []


async def metrics_endpoint(request: Request) -> Response:
    """The registry of this process, with the outbox backlog read now."""
    metrics: Metrics = request.app.state.metrics
    await metrics.refresh_backlog()
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
