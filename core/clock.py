"""The time, in one place, so that tests (and the dormancy and expiry watches) can freeze it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from core.settings import get_settings

_frozen: datetime | None = None


def now() -> datetime:
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    """The date now in the configured zone (``timezone``, Asia/Jakarta): Kembar's dates
    (agreements' end dates, documents, activities) are Indonesian local dates."""
    return local_date(now())


def local_date(moment: datetime) -> date:
    """The date of ``moment`` (timezone-aware) in the configured zone."""
    return moment.astimezone(ZoneInfo(get_settings().timezone)).date()


def freeze(at: datetime | None) -> None:
    """Freeze the clock at ``at`` (timezone-aware), or unfreeze it with ``None``."""
    global _frozen
    _frozen = at
