"""Keyset pagination by primary key, Relay-style (first/after, last/before)."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from tortoise.queryset import QuerySet

from core.errors import DomainError, ErrorCode

T = TypeVar("T")
_PREFIX = "kc:"


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{pk}".encode()).decode()


def decode_cursor(cursor: str, field: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not raw.startswith(_PREFIX):
            raise ValueError(raw)
        return int(raw[len(_PREFIX) :])
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError.one(ErrorCode.INVALID, f"{field} is not a valid cursor", field) from exc


@dataclass(frozen=True, slots=True)
class Window:
    """What a client asked for. ``first`` and ``last`` are capped at ``max_size``."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None
    max_size: int = 100
    default_size: int = 20


@dataclass(slots=True)
class Page(Generic[T]):
    items: list[T]
    has_next: bool
    has_previous: bool
    count: Callable[[], Awaitable[int]]  # totalCount, run only when asked for

    def cursor(self, item: T) -> str:
        return encode_cursor(item.pk)  # type: ignore[attr-defined]


def _check_size(value: int | None, field: str, max_size: int) -> None:
    if value is None:
        return
    if value < 0:
        raise DomainError.one(ErrorCode.INVALID, f"{field} must not be negative", field)
    if value > max_size:
        raise DomainError.one(
            ErrorCode.INVALID, f"{field} must be at most {max_size} (page size limit)", field
        )


def _position(query: QuerySet, cursor: str | None, field: str) -> int | None:
    """The primary key in ``cursor``; INVALID when no row could have it (the database would fail
    on a key beyond the column's range)."""
    if not cursor:
        return None
    value = decode_cursor(cursor, field)
    bounds = query.model._meta.pk.constraints
    if not bounds.get("ge", value) <= value <= bounds.get("le", value):
        raise DomainError.one(ErrorCode.INVALID, f"{field} is not a valid cursor", field)
    return value


async def paginate(query: QuerySet, window: Window) -> Page:
    """One page of ``query`` (ordered by pk), and whether there are pages either side."""
    _check_size(window.first, "first", window.max_size)
    _check_size(window.last, "last", window.max_size)
    if window.first is not None and window.last is not None:
        raise DomainError.one(ErrorCode.INVALID, "give first or last, not both", "last")
    pk = query.model._meta.pk_attr
    filtered = query
    after = _position(query, window.after, "after")
    before = _position(query, window.before, "before")
    if after is not None:
        filtered = filtered.filter(**{f"{pk}__gt": after})
    if before is not None:
        filtered = filtered.filter(**{f"{pk}__lt": before})

    async def count() -> int:
        return await query.count()

    if window.last is not None:
        rows = list(await filtered.order_by(f"-{pk}").limit(window.last + 1))
        has_previous = len(rows) > window.last
        items = list(reversed(rows[: window.last]))
        return Page(items, has_next=before is not None, has_previous=has_previous, count=count)
    size = window.first if window.first is not None else window.default_size
    rows = list(await filtered.order_by(pk).limit(size + 1))
    return Page(rows[:size], has_next=len(rows) > size, has_previous=after is not None, count=count)
