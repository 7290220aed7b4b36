"""Logging for every Kembar process, set up in one place: JSON lines in production (one object a
line, for a log shipper), readable lines in development. Every record carries the process role
(api, relay, worker, cli) and the correlation id in force (:mod:`core.correlation`), so one id
finds everything that happened because of one request.

``configure(settings, role=...)`` applies it in this process; :func:`dict_config` is the same as a
``logging.config.dictConfig`` dict, which uvicorn applies in each of its worker processes.
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

from core import correlation
from core.settings import Settings

ROLES = ("api", "relay", "worker", "cli")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(role)s %(name)s [%(correlation_id)s] %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(role)s %(correlation_id)s %(message)s"
NONE = "-"  # correlation id of work that no request or event started (start-up, polling)


class ContextFilter(logging.Filter):
    """Adds ``role`` and ``correlation_id`` to every record that passes a handler. A record that
    names its own ``correlation_id`` (``extra={"correlation_id": ...}``: the relay and the worker
    log the id of the event they handle) keeps it."""

    def __init__(self, role: str = "cli") -> None:
        super().__init__()
        self.role = role

    def filter(self, record: logging.LogRecord) -> bool:
        record.role = self.role
        if not getattr(record, "correlation_id", None):
            # the bound value only: correlation.current() would invent a fresh id per record
            record.correlation_id = correlation._current.get() or NONE
        return True


def wants_json(settings: Settings) -> bool:
    """JSON unless ``KEMBAR_LOG_FORMAT`` says otherwise; ``auto`` means JSON in production."""
    if settings.log_format == "auto":
        return settings.mode == "production"
    return settings.log_format == "json"


def dict_config(settings: Settings, *, role: str) -> dict[str, Any]:
    """The logging configuration of a process with this ``role``, for ``dictConfig``."""
    if role not in ROLES:
        raise ValueError(f"unknown process role {role!r}; one of {', '.join(ROLES)}")
    if wants_json(settings):
        formatter: dict[str, Any] = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601, UTC
        }
    else:
        formatter = {"format": TEXT_FORMAT}
    level = settings.log_level.upper()
    if role == "cli" and level == "INFO":
        level = "WARNING"  # a command prints its own summary; start-up chatter would bury it
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "core.logs.ContextFilter", "role": role}},
        "formatters": {"kembar": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "kembar",
                "filters": ["context"],
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        # uvicorn's loggers go to the root handler, so they are JSON too
        "loggers": {
            name: {"handlers": [], "propagate": True, "level": level}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "dramatiq")
        },
    }


def configure(settings: Settings, *, role: str) -> None:
    """Send this process's logs to stderr, formatted as the settings ask, tagged with ``role``."""
    logging.config.dictConfig(dict_config(settings, role=role))
