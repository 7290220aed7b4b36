"""Calendar-month arithmetic for terms and periods ("6 months before the agreement ends")."""

from __future__ import annotations

import calendar
from datetime import date, datetime


def shift_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months (negative: earlier), clamped to the month's
    last day (31 March minus one month is 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


def shift_moment(moment: datetime, months: int) -> datetime:
    """:func:`shift_months` for a timestamp (time of day and timezone kept)."""
    shifted = shift_months(moment.date(), months)
    return moment.replace(year=shifted.year, month=shifted.month, day=shifted.day)
