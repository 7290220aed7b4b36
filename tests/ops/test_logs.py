"""core.logs: JSON lines in production, text in development, role and correlation id on every
record; the API's correlation middleware takes a well-formed X-Request-ID or X-Correlation-ID."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from api.correlation import CorrelationMiddleware
from core import correlation, logs
from core.settings import Settings

LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "dramatiq")


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """configure() replaces the root handlers: put pytest's back afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    others = {n: (logging.getLogger(n).level, logging.getLogger(n).handlers[:]) for n in LOGGERS}
    try:
        yield
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, (level, handlers) in others.items():
            logging.getLogger(name).setLevel(level)
            logging.getLogger(name).handlers[:] = handlers


def emitted(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().err.strip().splitlines()


@pytest.mark.usefixtures("restored_logging")
def test_production_logs_json_lines_with_role_and_correlation_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = Settings(mode="production", database_url="postgres://x@db/k", secret_key="s")
    logs.configure(settings, role="relay")
    log = logging.getLogger("kembar.test")
    log.info("nothing bound")
    token = correlation.bind("req-42")
    try:
        log.info("bound %s", "here")
        log.info("an event's own id", extra={"correlation_id": "evt-7"})
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            log.exception("failed")
    finally:
        correlation.reset(token)
    log.debug("below the level")
    records = [json.loads(line) for line in emitted(capsys)]
    assert [r["message"] for r in records] == [
        "nothing bound", "bound here", "an event's own id", "failed",
    ]  # fmt: skip
    assert [r["correlation_id"] for r in records] == ["-", "req-42", "evt-7", "req-42"]
    assert {r["role"] for r in records} == {"relay"}
    assert {r["level"] for r in records} == {"INFO", "ERROR"}
    assert all(r["logger"] == "kembar.test" and r["time"].endswith("+00:00") for r in records)
    assert "RuntimeError: boom" in records[-1]["exc_info"]


@pytest.mark.usefixtures("restored_logging")
def test_development_logs_readable_lines(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure(Settings(), role="api")
    token = correlation.bind("req-1")
    try:
        logging.getLogger("kembar.test").warning("careful")
    finally:
        correlation.reset(token)
    [line] = emitted(capsys)
    assert line.endswith("WARNING api kembar.test [req-1] careful")
    with pytest.raises(ValueError):
        json.loads(line)


@pytest.mark.usefixtures("restored_logging")
def test_the_format_can_be_chosen(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure(Settings(log_format="json"), role="worker")
    logging.getLogger("kembar.test").info("in development, as JSON")
    [line] = emitted(capsys)
    assert json.loads(line)["role"] == "worker"


@pytest.mark.usefixtures("restored_logging")
def test_one_shot_commands_log_warnings_only(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure(Settings(), role="cli")
    logging.getLogger("tortoise").info("Tortoise-ORM startup")
    logging.getLogger("kembar.test").warning("shown")
    assert [line.rsplit(" ", 1)[-1] for line in emitted(capsys)] == ["shown"]


def test_an_unknown_role_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown process role"):
        logs.dict_config(Settings(), role="janitor")


def test_uvicorn_logs_go_through_the_same_handler() -> None:
    config = logs.dict_config(Settings(), role="api")
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        assert config["loggers"][name] == {"handlers": [], "propagate": True, "level": "INFO"}
    assert config["root"]["handlers"] == ["stderr"]


async def seen_id(headers: dict[str, str | bytes]) -> tuple[str, str]:
    """(the id the request was handled under, the X-Request-ID of the response)."""

    async def echo(request: Request) -> PlainTextResponse:
        return PlainTextResponse(correlation.current())

    app = Starlette(routes=[Route("/", echo)], middleware=[Middleware(CorrelationMiddleware)])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kembar.test") as client:
        response = await client.get("/", headers=headers)
    return response.text, response.headers["x-request-id"]


async def test_a_well_formed_request_id_is_taken() -> None:
    assert await seen_id({"X-Request-ID": "abc-123_x.y"}) == ("abc-123_x.y", "abc-123_x.y")


async def test_a_correlation_id_header_is_taken_too() -> None:
    assert await seen_id({"X-Correlation-ID": "corr-9"}) == ("corr-9", "corr-9")


async def test_the_request_id_wins_over_the_correlation_id() -> None:
    both = {"X-Request-ID": "req-1", "X-Correlation-ID": "corr-1"}
    assert await seen_id(both) == ("req-1", "req-1")


@pytest.mark.parametrize(
    "given", ["", "a" * 65, "has space", "semi;colon", "new\\nline", "ünïcode"]
)
async def test_a_malformed_id_is_replaced_by_a_fresh_one(given: str) -> None:
    handled, answered = await seen_id({"X-Request-ID": given.encode()})
    assert handled == answered != given
    assert len(handled) == 32 and int(handled, 16) >= 0  # a fresh uuid4 hex


async def test_without_a_header_each_request_gets_its_own_id() -> None:
    first, second = await seen_id({}), await seen_id({})
    assert first[0] == first[1] and second[0] == second[1] and first[0] != second[0]
