"""The time, in one place, so that tests (and the dormancy and expiry watches) can freeze it."""

from __future__ import annotations

from datetime import UTC, date, datetime

_frozen: datetime | None = None


def now() -> datetime:
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    return now().date()


def freeze(at: datetime | None) -> None:
    """Freeze the clock at ``at`` (timezone-aware), or unfreeze it with ``None``."""
    global _frozen
    _frozen = at
