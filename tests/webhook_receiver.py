"""A real HTTP webhook receiver for tests: a stdlib HTTP server on 127.0.0.1 in its own thread.

    with WebhookReceiver(statuses=[500, 500, 204]) as receiver:
        url = receiver.url  # http://127.0.0.1:PORT/hook
        ...
        [first, second, third] = receiver.wait_for(3)

``tls`` (a server context) serves https as ``localhost``. ``statuses`` are answered in order, then
``default``; ``headers`` (by position) adds response
headers such as ``Retry-After``. Every request is kept (``received``): its headers (lower-case
names), body and the wall-clock time it arrived. Works from async tests (it runs in a thread) and
for worker processes started by a test (they reach it over TCP).
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

import pytest

from core.settings import get_settings


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() when it arrived


class WebhookReceiver:
    def __init__(
        self,
        statuses: list[int] | None = None,
        *,
        default: int = 204,
        headers: dict[int, dict[str, str]] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.statuses = list(statuses or [])
        self.default = default
        self.extra_headers = headers or {}
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    index = len(receiver.received)
                    receiver.received.append(
                        Received(
                            self.path,
                            {k.lower(): v for k, v in self.headers.items()},
                            body,
                            time.time(),
                        )
                    )
                    status = (
                        receiver.statuses[index]
                        if index < len(receiver.statuses)
                        else receiver.default
                    )
                self.send_response(status)
                for name, value in receiver.extra_headers.get(index, {}).items():
                    self.send_header(name, value)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        if tls is not None:  # https: the certificate names localhost
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            self.url = f"https://localhost:{self.port}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """The first ``count`` requests, waiting up to ``timeout`` seconds for them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received[:count])
            time.sleep(0.02)
        raise AssertionError(f"expected {count} webhook requests, got {len(self.received)}")


@pytest.fixture
def webhook_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """This process's settings with loopback allowed for webhooks and a compressed retry schedule
    (three retries 50 ms apart, no jitter); yields the variables, to pass to processes a test
    starts."""
    env = {
        "KEMBAR_WEBHOOK_ALLOWED_NETWORKS": '["127.0.0.0/8"]',
        "KEMBAR_WEBHOOK_RETRY_SCHEDULE_SECONDS": "[0.05, 0.05, 0.05]",
        "KEMBAR_WEBHOOK_RETRY_JITTER": "0",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield env
    get_settings.cache_clear()  # re-read (without them) once monkeypatch has restored the env
