"""Small checks of input values that raise typed errors naming the field."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlparse

from core.errors import DomainError, ErrorCode


def require_text(value: str | None, field: str, *, max_length: int = 10_000) -> str:
    """``value`` stripped; REQUIRED when blank, INVALID when too long or not storable."""
    text = limit_text((value or "").strip(), field, max_length=max_length)
    if not text:
        raise DomainError.one(ErrorCode.REQUIRED, f"{field} must not be empty", field)
    return text


def limit_text(value: str, field: str, *, max_length: int = 10_000) -> str:
    """``value`` unchanged; INVALID when longer than ``max_length`` or holding a NUL character
    (which PostgreSQL cannot store in text)."""
    if len(value) > max_length:
        raise DomainError.one(
            ErrorCode.INVALID, f"{field} must be at most {max_length} characters", field
        )
    if "\x00" in value:
        raise DomainError.one(ErrorCode.INVALID, f"{field} must not contain NUL characters", field)
    return value


def check_url(value: str, field: str) -> str:
    """An http(s) URL, or the empty string."""
    value = value.strip()
    if value:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or len(value) > 2000:
            raise DomainError.one(ErrorCode.INVALID, f"{field} must be an http(s) URL", field)
    return value


def check_range(start: date | None, end: date | None, field: str) -> None:
    if start is not None and end is not None and end < start:
        raise DomainError.one(ErrorCode.INVALID, "the end date is before the start date", field)


def check_not_future(value: date | None, today: date, field: str) -> None:
    if value is not None and value > today:
        raise DomainError.one(ErrorCode.INVALID, f"{field} is in the future", field)


def check_non_negative(value: float | int | None, field: str) -> None:
    if value is not None and value < 0:
        raise DomainError.one(ErrorCode.INVALID, f"{field} must not be negative", field)
