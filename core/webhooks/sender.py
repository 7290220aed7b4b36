"""POST one signed webhook to the address the guard checked, and say how it went.

The connection goes to the checked IP itself (no second DNS lookup, so no rebinding between the
check and the connect); the URL's host is kept in the Host header and, for https, as the TLS
server name (SNI and certificate check). Redirects are refused, not followed: a 3xx is a failure.
"""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

import certifi
import httpx

from core.webhooks.address import Target

MAX_ERROR = 500
MAX_EXCERPT = 200  # bytes of a failure's answer kept for its error; the rest is never read


@dataclass(frozen=True, slots=True)
class Outcome:
    """One attempt: ``status_code`` None when no response came (``error`` says why)."""

    status_code: int | None
    duration_ms: int
    error: str | None = None
    retry_after: str | None = None  # the raw header, parsed by the caller

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        """HTTP 410: the receiver asks never to be sent to again."""
        return self.status_code == 410


@lru_cache(maxsize=4)
def _tls(ca_file: str | None) -> ssl.SSLContext:
    """One TLS context per CA bundle and process: building one loads the bundle (~40 ms, on the
    event loop), which would otherwise be paid by every webhook."""
    return ssl.create_default_context(cafile=ca_file or certifi.where())


def pinned_url(target: Target) -> str:
    """``target.url`` with its host replaced by the checked IP."""
    parts = urlsplit(target.url)
    host = f"[{target.ip}]" if target.ip.version == 6 else str(target.ip)
    return urlunsplit((parts.scheme, f"{host}:{target.port}", parts.path or "/", parts.query, ""))


def _host_header(target: Target) -> str:
    default = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == default else f"{host}:{target.port}"


async def post(
    *,
    target: Target,
    body: bytes,
    headers: dict[str, str],
    timeout_seconds: float,
    ca_file: str | None = None,
) -> Outcome:
    """Send ``body`` to ``target``; never raises for network or HTTP failures."""
    started = time.monotonic()
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        async with (
            httpx.AsyncClient(
                timeout=timeout_seconds,
                follow_redirects=False,
                trust_env=False,
                verify=_tls(ca_file),
            ) as client,
            client.stream(
                "POST",
                pinned_url(target),
                content=body,
                headers={
                    **headers,
                    "host": _host_header(target),
                    "user-agent": "Kembar-Webhook",
                    "accept-encoding": "identity",
                },
                extensions=extensions,
            ) as response,
        ):
            excerpt = b""
            if not 200 <= response.status_code < 300:  # a little of a failure's answer, raw
                async for chunk in response.aiter_raw():  # (not decoded: no gzip bomb)
                    excerpt += chunk[:MAX_EXCERPT]
                    if len(excerpt) >= MAX_EXCERPT:
                        break
    except httpx.HTTPError as exc:
        elapsed = int((time.monotonic() - started) * 1000)
        return Outcome(None, elapsed, f"{type(exc).__name__}: {exc}"[:MAX_ERROR])
    elapsed = int((time.monotonic() - started) * 1000)
    error = None
    if 300 <= response.status_code < 400:
        error = f"HTTP {response.status_code}: redirects are not followed"
    elif not 200 <= response.status_code < 300:
        error = f"HTTP {response.status_code}: {excerpt[:MAX_EXCERPT].decode(errors='replace')}"
    return Outcome(response.status_code, elapsed, error, response.headers.get("retry-after"))
