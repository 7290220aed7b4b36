"""When to try a failed delivery again: the configured schedule with jitter, or the receiver's
``Retry-After`` when that asks for longer."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime

MAX_DELTA_DIGITS = 10  # a longer delta-seconds is not a wait anyone means


def delay_after(
    attempts: int,
    schedule: Sequence[float],
    *,
    jitter: float = 0.1,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float | None:
    """Seconds to wait after the ``attempts``-th failed attempt, or None when the schedule is
    used up (give up). ``schedule[i]`` follows attempt ``i + 1``; ±``jitter`` of it at random;
    a ``retry_after`` larger than that wins (capped at the schedule's longest step)."""
    if attempts < 1 or attempts > len(schedule):
        return None
    base = float(schedule[attempts - 1])
    spread = base * jitter
    delay = base + (rng or random).uniform(-spread, spread) if spread > 0 else base
    if retry_after is not None and retry_after > delay:
        delay = min(retry_after, max(float(s) for s in schedule))
    return max(0.0, delay)


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """A ``Retry-After`` header as seconds from ``now`` (delta-seconds or an HTTP date); None when
    absent or unreadable (never raises: the header is the receiver's input)."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():  # "²" and "٣" are digits to isdigit but not to int; 400 digits overflow
        return float(text) if text.isascii() and len(text) <= MAX_DELTA_DIGITS else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())
