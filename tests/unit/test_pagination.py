"""Cursor encoding and window checks (core.pagination) that need no database."""

from __future__ import annotations

import base64

import pytest

from core.errors import DomainError, ErrorCode
from core.pagination import Window, decode_cursor, encode_cursor


@pytest.mark.parametrize("pk", [0, 1, 42, 2**31 - 1, 10**15])
def test_a_cursor_round_trips_its_primary_key(pk: int) -> None:
    cursor = encode_cursor(pk)
    assert decode_cursor(cursor, "after") == pk
    assert str(pk) not in cursor  # opaque to clients


def test_cursors_are_url_safe_and_distinct() -> None:
    cursors = {encode_cursor(pk) for pk in range(1000)}
    assert len(cursors) == 1000
    assert all(
        set(c) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")
        for c in cursors
    )


def b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        "!!!!",
        "",
        "a",
        b64("42"),  # no prefix
        b64("kc:"),
        b64("kc:forty-two"),
        b64("xx:42"),
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),  # not UTF-8
    ],
)
@pytest.mark.parametrize("field", ["after", "before"])
def test_a_bad_cursor_is_refused_naming_the_field(cursor: str, field: str) -> None:
    with pytest.raises(DomainError) as exc:
        decode_cursor(cursor, field)
    assert [(p.code, p.field) for p in exc.value.problems] == [(ErrorCode.INVALID, field)]
    assert field in exc.value.problems[0].message


def test_window_defaults() -> None:
    window = Window()
    assert (window.first, window.after, window.last, window.before) == (None, None, None, None)
    assert window.max_size == 100
    assert window.default_size == 20
