"""Liveness and readiness probes: ``/healthz`` (the process is up) and ``/readyz`` (its database
and Redis answer; 503 naming the failed one otherwise)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from core.services import readiness


async def healthz(request: Request) -> JSONResponse:
    """The process is up (no dependency is checked)."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """200 with ``{"database": "ok", "redis": "ok" | "not configured"}``, else 503 with the same
    keys, the failed ones saying ``error: ...``."""
    result = await readiness.readiness(request.app.state.settings.redis_url)
    return JSONResponse(
        result.checks,
        status_code=200 if result.ready else 503,
        headers={"Cache-Control": "no-store"},
    )
