"""The Redis stream of event envelopes (``Settings.events_stream``) that live subscriptions read
and resume from. Redis assigns each entry's id when it is appended, so ids increase in delivery
order: everything after an id is everything delivered later. Entries older than the retention
(``events_stream_retention_seconds``, or beyond ``events_stream_max_entries``) are trimmed; a
cursor whose entry was trimmed is expired (:class:`core.notices.CursorExpired`), never a silent
gap."""

from __future__ import annotations

import time

import redis.asyncio as aioredis

from core.notices import CursorExpired, Notice, cursor_key

FIELD = "envelope"


async def append(
    client: aioredis.Redis,
    *,
    stream: str,
    data: str,
    retention_seconds: int,
    max_entries: int,
    now_ms: int | None = None,
) -> str:
    """Append one envelope's JSON; trims (approximately) what is older than the retention or
    beyond the maximum length. Returns the new entry's id."""
    now_ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    oldest = max(now_ms - retention_seconds * 1000, 0)
    async with client.pipeline(transaction=False) as pipe:
        pipe.xadd(stream, {FIELD: data}, minid=f"{oldest}-0", approximate=True)
        pipe.xtrim(stream, maxlen=max_entries, approximate=True)
        entry_id, _trimmed = await pipe.execute()
    return _text(entry_id)


async def last_id(client: aioredis.Redis, stream: str) -> str:
    """The newest entry's id, or ``0-0`` when the stream is empty or missing."""
    newest = await client.xrevrange(stream, count=1)
    return _text(newest[0][0]) if newest else "0-0"


async def after(client: aioredis.Redis, stream: str, cursor: str, count: int) -> list[Notice]:
    """Up to ``count`` entries after ``cursor``, oldest first. The cursor's own entry is read in
    the same command: when it is gone (trimmed, or never in this stream) the entries between it
    and the oldest kept one may be lost, so that is :class:`CursorExpired`."""
    try:
        cursor_key(cursor)
    except ValueError as exc:
        raise CursorExpired(str(exc)) from exc
    entries = await client.xrange(stream, min=cursor, max="+", count=count + 1)
    if not entries or _text(entries[0][0]) != cursor:
        raise CursorExpired(f"cursor {cursor} is not retained")
    return notices(entries[1:])


def notices(entries: list[tuple[bytes | str, dict[bytes | str, bytes | str]]]) -> list[Notice]:
    """XREAD/XRANGE entries as notices."""
    return [Notice(_text(entry_id), _text(fields[_key(fields)])) for entry_id, fields in entries]


def _key(fields: dict[bytes | str, bytes | str]) -> bytes | str:
    return FIELD if FIELD in fields else FIELD.encode()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
