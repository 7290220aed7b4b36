"""The Redis stream of event envelopes (``Settings.events_stream``) that live subscriptions read
and resume from. Redis assigns each entry's id when it is appended, so ids increase in delivery
order: everything after an id is everything delivered later. Entries older than the retention
(``events_stream_retention_seconds``, or beyond ``events_stream_max_entries``) are trimmed; a
cursor whose entry was trimmed is expired (:class:`core.notices.CursorExpired`), never a silent
gap. An event is appended once: the notify actor is at least once, so an envelope whose event id
was appended already (``kembar:streamed:<event_id>``, kept as long as the retention) is not
appended again; the check and the append are one Lua script, so nothing can fall between them."""

from __future__ import annotations

import json
import time

import redis.asyncio as aioredis

from core.notices import CursorExpired, Notice, cursor_key

FIELD = "envelope"


DEDUPE_PREFIX = "kembar:streamed:"
# KEYS: the stream, then (optionally) the event's dedupe key. ARGV: the envelope, the oldest id
# kept, the maximum length, the dedupe key's lifetime in seconds, the field. Returns the entry
# carrying the event.
APPEND = """
if KEYS[2] then
  local prior = redis.call('GET', KEYS[2])
  if prior then return prior end
end
local id = redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[2], '*', ARGV[5], ARGV[1])
redis.call('XTRIM', KEYS[1], 'MAXLEN', '~', ARGV[3])
if KEYS[2] then redis.call('SET', KEYS[2], id, 'NX', 'EX', ARGV[4]) end
return id
"""


async def append(
    client: aioredis.Redis,
    *,
    stream: str,
    data: str,
    retention_seconds: int,
    max_entries: int,
    now_ms: int | None = None,
) -> str:
    """Append one envelope's JSON unless its event was appended already; trims (approximately)
    what is older than the retention or beyond the maximum length. Returns the id of the entry
    that carries the event (the earlier one for a repeat)."""
    now_ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    oldest = max(now_ms - retention_seconds * 1000, 0)
    event_id = _event_id(data)
    keys = [stream] if event_id is None else [stream, DEDUPE_PREFIX + event_id]
    args = [data, f"{oldest}-0", max_entries, max(retention_seconds, 1), FIELD]
    entry_id = await client.register_script(APPEND)(keys=keys, args=args)
    return _text(entry_id)


def _event_id(data: str) -> str | None:
    """The envelope's event id; None when the data is not an envelope with one."""
    try:
        envelope = json.loads(data)
    except ValueError:
        return None
    found = envelope.get("event_id") if isinstance(envelope, dict) else None
    return None if found is None else str(found)


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
