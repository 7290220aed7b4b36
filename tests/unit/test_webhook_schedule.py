"""The retry schedule: jitter bounds, the end of the schedule, Retry-After."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from core.settings import Settings
from core.webhooks.schedule import delay_after, parse_retry_after

SCHEDULE = Settings().webhook_retry_schedule_seconds
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_default_schedule_is_the_standard_one() -> None:
    assert SCHEDULE == [5, 300, 1800, 7200, 18000, 36000, 36000]


@pytest.mark.parametrize("attempt", range(1, 8))
def test_jitter_stays_within_ten_percent_and_varies(attempt: int) -> None:
    rng = random.Random(attempt)
    base = SCHEDULE[attempt - 1]
    delays = {delay_after(attempt, SCHEDULE, jitter=0.1, rng=rng) for _ in range(50)}
    assert all(d is not None and base * 0.9 <= d <= base * 1.1 for d in delays)
    assert len(delays) > 1


def test_schedule_used_up_gives_none() -> None:
    assert delay_after(len(SCHEDULE) + 1, SCHEDULE) is None
    assert delay_after(0, SCHEDULE) is None
    assert delay_after(1, []) is None


def test_no_jitter_is_exact() -> None:
    assert delay_after(2, SCHEDULE, jitter=0) == 300


def test_retry_after_wins_only_when_larger_and_is_capped() -> None:
    assert delay_after(1, SCHEDULE, jitter=0, retry_after=120) == 120
    assert delay_after(2, SCHEDULE, jitter=0, retry_after=10) == 300
    assert delay_after(1, SCHEDULE, jitter=0, retry_after=10**9) == max(SCHEDULE)


def test_parse_retry_after_seconds_and_http_dates() -> None:
    assert parse_retry_after("120", now=NOW) == 120
    later = format_datetime(NOW + timedelta(minutes=10), usegmt=True)
    assert parse_retry_after(later, now=NOW) == 600
    earlier = format_datetime(NOW - timedelta(minutes=10), usegmt=True)
    assert parse_retry_after(earlier, now=NOW) == 0
    for bad in (None, "", "soon", "-5", "1.5", "Mon, 99 Foo 2026 00:00:00 GMT"):
        assert parse_retry_after(bad, now=NOW) is None


@pytest.mark.parametrize("value", ["²", "٣", "9" * 400, "12345678901", "-5", "1.5", "0x10"])
def test_odd_retry_after_values_are_ignored_not_raised(value: str) -> None:
    assert parse_retry_after(value, now=NOW) is None


def test_retry_after_as_an_http_date_is_seconds_from_now() -> None:
    later = format_datetime(NOW + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(later, now=NOW) == pytest.approx(90)
    assert parse_retry_after("9999999999", now=NOW) == 9999999999.0  # ten digits still read
