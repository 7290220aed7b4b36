"""Messages that failed for good: Dramatiq's dead letters in Redis, listed and replayed.

Dramatiq's Redis broker keeps a dead message's id in the sorted set ``<ns>:<queue>.XQ`` (scored by
when it died) and its body in the hash ``<ns>:<queue>.XQ.msgs``; a live queue is the list
``<ns>:<queue>`` with bodies in ``<ns>:<queue>.msgs``. Replaying moves the body back in one
MULTI/EXEC with its retry count reset, exactly as the broker's own enqueue would store it.
The broker does not keep a dead message's error: the workers' ``DeadLetterErrors`` middleware
stores it under :func:`error_key` (expiring with the dead letter), and this module reads it. The
actors are idempotent by event id, so replaying a message that did take effect does nothing.
In the embedded mode (no Redis) there are no dead letters to list: failures are only logged.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis

from core.settings import get_settings

NAMESPACE = "dramatiq"


def error_key(queue: str, redis_message_id: str) -> str:
    """Where the error of a dead message is kept (JSON: error, traceback)."""
    return f"{NAMESPACE}:{queue}.XQ.error:{redis_message_id}"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    queue: str
    redis_message_id: str  # the key to replay or discard it by
    message_id: str
    actor_name: str
    event_id: str | None
    event_type: str | None
    failed_at: datetime
    retries: int
    error: str  # the last line of the traceback
    traceback: str


def _client(redis_url: str | None) -> aioredis.Redis | None:
    url = redis_url or get_settings().redis_url
    return aioredis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=5) if url else None


async def list_dead_letters(
    *, redis_url: str | None = None, queue: str | None = None, limit: int = 100
) -> list[DeadLetter]:
    """Failed messages, newest first (all queues, or one)."""
    client = _client(redis_url)
    if client is None:
        return []
    try:
        queues = [queue] if queue else await _dead_queues(client)
        found: list[DeadLetter] = []
        for name in queues:
            xq = f"{NAMESPACE}:{name}.XQ"
            entries = await client.zrevrange(xq, 0, limit - 1, withscores=True)
            if not entries:
                continue
            keys = [key.decode() for key, _ in entries]
            bodies = await client.hmget(f"{xq}.msgs", keys)
            errors = await client.mget([error_key(name, key) for key in keys])
            for key, (_, score), body, error in zip(keys, entries, bodies, errors, strict=True):
                if body is not None:
                    failure = json.loads(error) if error else {}
                    found.append(_letter(name, key, score, json.loads(body), failure))
        found.sort(key=lambda letter: letter.failed_at, reverse=True)
        return found[:limit]
    finally:
        await client.aclose()


async def replay(*, queue: str, redis_message_id: str, redis_url: str | None = None) -> str | None:
    """Put one dead message back on its queue with its retries reset; returns its new Redis id,
    or None when there was no such dead message."""
    client = _client(redis_url)
    if client is None:
        return None
    xq = f"{NAMESPACE}:{queue}.XQ"
    try:
        async with client.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(xq)
                    body = await pipe.hget(f"{xq}.msgs", redis_message_id)
                    if body is None:
                        await pipe.unwatch()
                        return None
                    message = json.loads(body)
                    new_id = str(uuid.uuid4())
                    options = dict(message.get("options") or {})
                    for stale in ("retries", "traceback", "eta", "requeue_timestamp"):
                        options.pop(stale, None)
                    options["redis_message_id"] = new_id
                    options["replayed_from"] = redis_message_id
                    message["options"] = options
                    message["queue_name"] = queue
                    pipe.multi()
                    pipe.zrem(xq, redis_message_id)
                    pipe.hdel(f"{xq}.msgs", redis_message_id)
                    pipe.hset(f"{NAMESPACE}:{queue}.msgs", new_id, json.dumps(message))
                    pipe.rpush(f"{NAMESPACE}:{queue}", new_id)
                    pipe.delete(error_key(queue, redis_message_id))
                    await pipe.execute()
                    return new_id
                except aioredis.WatchError:
                    continue
    finally:
        await client.aclose()


async def replay_all(*, redis_url: str | None = None, queue: str | None = None) -> int:
    """Replay every dead message (of one queue, or all); returns how many."""
    count = 0
    while letters := await list_dead_letters(redis_url=redis_url, queue=queue, limit=500):
        for letter in letters:
            if await replay(
                queue=letter.queue, redis_message_id=letter.redis_message_id, redis_url=redis_url
            ):
                count += 1
    return count


async def discard(*, queue: str, redis_message_id: str, redis_url: str | None = None) -> bool:
    """Drop one dead message for good."""
    client = _client(redis_url)
    if client is None:
        return False
    xq = f"{NAMESPACE}:{queue}.XQ"
    try:
        async with client.pipeline(transaction=True) as pipe:
            pipe.zrem(xq, redis_message_id)
            pipe.hdel(f"{xq}.msgs", redis_message_id)
            pipe.delete(error_key(queue, redis_message_id))
            removed, _, _ = await pipe.execute()
        return bool(removed)
    finally:
        await client.aclose()


async def _dead_queues(client: aioredis.Redis) -> list[str]:
    names = []
    async for key in client.scan_iter(match=f"{NAMESPACE}:*.XQ", count=500):
        names.append(key.decode()[len(NAMESPACE) + 1 : -len(".XQ")])
    return sorted(names)


def _letter(
    queue: str, key: str, score: float, message: dict[str, Any], failure: dict[str, Any]
) -> DeadLetter:
    options = message.get("options") or {}
    args = message.get("args") or []
    envelope = args[0] if args and isinstance(args[0], dict) else {}
    trace = str(failure.get("traceback") or options.get("traceback") or "")
    lines = [line for line in trace.strip().splitlines() if line.strip()]
    return DeadLetter(
        queue=queue,
        redis_message_id=key,
        message_id=str(message.get("message_id", "")),
        actor_name=str(message.get("actor_name", "")),
        event_id=envelope.get("event_id"),
        event_type=envelope.get("type"),
        failed_at=datetime.fromtimestamp(score / 1000, UTC),
        retries=int(failure.get("retries", options.get("retries", 0))),
        error=str(failure.get("error") or (lines[-1] if lines else "")),
        traceback=trace,
    )
