"""Input checks (core.validation): each raises a typed error naming the field. No I/O."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import DomainError, ErrorCode
from core.validation import (
    check_non_negative,
    check_not_future,
    check_range,
    check_url,
    limit_text,
    require_text,
)


def problem(exc: pytest.ExceptionInfo[DomainError]) -> tuple[ErrorCode, str | None]:
    assert len(exc.value.problems) == 1
    return exc.value.problems[0].code, exc.value.problems[0].field


def test_require_text_strips_and_returns_the_text() -> None:
    assert require_text("  Surabaya \n", "title") == "Surabaya"


@pytest.mark.parametrize("value", ["", "   ", "\n\t", None])
def test_require_text_refuses_blank_as_required(value: str | None) -> None:
    with pytest.raises(DomainError) as exc:
        require_text(value, "title")
    assert problem(exc) == (ErrorCode.REQUIRED, "title")


def test_require_text_length_limit_counts_the_stripped_text() -> None:
    assert require_text("  " + "a" * 5 + "  ", "title", max_length=5) == "aaaaa"
    with pytest.raises(DomainError) as exc:
        require_text("a" * 6, "title", max_length=5)
    assert problem(exc) == (ErrorCode.INVALID, "title")


def test_limit_text_allows_up_to_the_limit_and_refuses_beyond() -> None:
    assert limit_text("x" * 200, "number", max_length=200) == "x" * 200
    assert limit_text("", "number", max_length=200) == ""
    with pytest.raises(DomainError) as exc:
        limit_text("x" * 201, "number", max_length=200)
    assert problem(exc) == (ErrorCode.INVALID, "number")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ""),
        ("   ", ""),
        ("https://surabaya.go.id/mou.pdf", "https://surabaya.go.id/mou.pdf"),
        ("  http://example.org/a?b=c  ", "http://example.org/a?b=c"),
    ],
)
def test_check_url_accepts_http_urls_and_empty(value: str, expected: str) -> None:
    assert check_url(value, "url") == expected


@pytest.mark.parametrize(
    "value",
    [
        "ftp://example.org/file",
        "javascript:alert(1)",
        "example.org/mou.pdf",
        "http://",
        "https:///path-only",
        "file:///etc/passwd",
        "https://example.org/" + "a" * 2000,
    ],
)
def test_check_url_refuses_anything_else(value: str) -> None:
    with pytest.raises(DomainError) as exc:
        check_url(value, "url")
    assert problem(exc) == (ErrorCode.INVALID, "url")


def test_check_range_allows_equal_and_open_ends_and_refuses_reversed() -> None:
    check_range(date(2025, 1, 1), date(2025, 1, 1), "endsOn")
    check_range(None, date(2025, 1, 1), "endsOn")
    check_range(date(2025, 1, 1), None, "endsOn")
    with pytest.raises(DomainError) as exc:
        check_range(date(2025, 1, 2), date(2025, 1, 1), "endsOn")
    assert problem(exc) == (ErrorCode.INVALID, "endsOn")


def test_check_not_future_allows_today_and_refuses_tomorrow() -> None:
    today = date(2026, 6, 1)
    check_not_future(today, today, "issuedOn")
    check_not_future(None, today, "issuedOn")
    with pytest.raises(DomainError) as exc:
        check_not_future(date(2026, 6, 2), today, "issuedOn")
    assert problem(exc) == (ErrorCode.INVALID, "issuedOn")


@pytest.mark.parametrize("value", [0, 0.0, 5, None])
def test_check_non_negative_allows_zero_and_up(value: float | None) -> None:
    check_non_negative(value, "budget")


@pytest.mark.parametrize("value", [-1, -0.01])
def test_check_non_negative_refuses_negatives(value: float) -> None:
    with pytest.raises(DomainError) as exc:
        check_non_negative(value, "budget")
    assert problem(exc) == (ErrorCode.INVALID, "budget")


def test_domain_error_keeps_every_problem_and_joins_their_messages() -> None:
    error = DomainError.one(ErrorCode.NOT_FOUND, "no such city", "id")
    assert [(p.code, p.field, p.message) for p in error.problems] == [
        (ErrorCode.NOT_FOUND, "id", "no such city")
    ]
    assert str(error) == "no such city"
