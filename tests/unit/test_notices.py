"""The embedded mode's ring buffer of notices, cursors, and the per-subscription dedupe."""

from __future__ import annotations

import pytest

from core import notices
from core.notices import CursorExpired, RecentIds, RingBuffer, cursor_key


def filled(count: int, capacity: int = 3) -> RingBuffer:
    ring = RingBuffer(capacity, epoch=1000)
    for i in range(count):
        ring.append(f"event {i + 1}")
    return ring


def test_cursors_increase_and_carry_the_epoch() -> None:
    ring = filled(2)
    assert [n.cursor for n in ring.entries] == ["1000-1", "1000-2"]
    assert cursor_key("1000-2") > cursor_key("1000-1") > cursor_key("999-7")
    assert cursor_key("1000-10") > cursor_key("1000-9")  # numbers, not text


@pytest.mark.parametrize("bad", ["", "12", "a-1", "1-b", "-1", "1-", "1--2", "1-2-3", "\uff11-2"])
def test_malformed_cursors_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        cursor_key(bad)


def test_after_returns_what_follows_oldest_first_in_pages() -> None:
    ring = filled(5, capacity=10)
    assert [n.data for n in ring.after("1000-2")] == ["event 3", "event 4", "event 5"]
    assert [n.data for n in ring.after("1000-2", limit=2)] == ["event 3", "event 4"]
    assert ring.after("1000-5") == []


def test_a_cursor_is_retained_while_nothing_after_it_was_dropped() -> None:
    ring = filled(5)  # keeps 3, 4, 5
    assert [n.data for n in ring.after("1000-2")] == ["event 3", "event 4", "event 5"]
    for expired in ("1000-1", "1000-0", "1000-6", "999-3", "1001-3", "nonsense"):
        with pytest.raises(CursorExpired):
            ring.after(expired)


def test_an_empty_buffer_knows_no_cursor() -> None:
    with pytest.raises(CursorExpired):
        RingBuffer(3, epoch=5).after("5-1")
    with pytest.raises(ValueError):
        RingBuffer(0)


def test_recent_ids_drop_repeats_and_forget_the_oldest() -> None:
    recent = RecentIds(size=2)
    assert [recent.seen(k) for k in ("a", "b", "a", "c")] == [False, False, True, False]
    assert recent.seen("a")  # used lately: kept over b
    assert not recent.seen("b")  # b was forgotten
    assert len(recent.ids) == 2


def test_publish_local_appends_and_hands_the_notice_to_listeners(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(notices, "buffer", RingBuffer(4, epoch=7))
    heard: list[notices.Notice] = []
    stop = notices.listen(heard.append)
    try:
        first = notices.publish_local('{"n": 1}')
    finally:
        stop()
    notices.publish_local('{"n": 2}')
    assert heard == [first] and first.cursor == "7-1" and first.envelope == {"n": 1}
    assert [n.cursor for n in notices.buffer.entries] == ["7-1", "7-2"]
