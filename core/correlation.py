"""The correlation id of the work in progress: set per request by the API, per event by actors."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

_current: ContextVar[str | None] = ContextVar("kembar_correlation_id", default=None)


def current() -> str:
    """The correlation id in force, or a fresh one when nothing set it."""
    value = _current.get()
    return value if value is not None else uuid.uuid4().hex


def bind(value: str | None) -> object:
    """Set the correlation id for this context; returns a token for :func:`reset`."""
    return _current.set(value or uuid.uuid4().hex)


def reset(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
