"""Live subscriptions on a real (private) Redis: the notify actor appends to the events stream, the
app's reader fans it out; filters, resume, expiry, permissions, redelivery and a Redis restart."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from strawberry.relay import to_base64

from core import streams
from core.enums import Area, ProgramType
from core.envelope import Envelope
from core.models import OutboxEvent
from core.notices import CursorExpired, cursor_key
from core.policy import Role
from core.services import programs
from core.settings import Settings
from core.stages import Stage
from tests import factories
from tests.api.conftest import issue_token
from tests.api.test_subscriptions import live_app, subscribe
from workers import actors

pytestmark = [pytest.mark.redis]

STREAM = "kembar:events:stream"


@pytest.fixture
async def redis(private_redis: Any, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Any]:
    """The notify actor appends to the private Redis (its own client, closed afterwards)."""
    settings = Settings(redis_url=private_redis.url)
    monkeypatch.setattr(actors, "get_settings", lambda: settings)
    monkeypatch.setattr(actors, "_stream_client", None)
    client = aioredis.Redis.from_url(private_redis.url)
    yield client
    await client.aclose()
    if actors._stream_client is not None:
        await actors._stream_client.aclose()


@pytest.fixture
async def admin() -> str:
    return await issue_token(Role.ADMIN, email="live-admin@kembar.test")


async def test_each_event_reaches_filtered_subscriptions_once_through_the_stream(
    db: str, redis: Any, admin: str, drain_outbox: Any, private_redis: Any
) -> None:
    async with live_app(db, redis_url=private_redis.url) as (app, client):
        first = await factories.pair()
        second = await factories.pair("Bogor", "Osaka", "JP")
        async with (
            subscribe(app, client, admin) as everything,
            subscribe(
                app,
                client,
                admin,
                partnershipId=to_base64("Partnership", second.id),
                types=["partnership.document_added"],
            ) as filtered,
        ):
            await factories.document(first, factories.DocumentType.FEASIBILITY_STUDY)
            await factories.document(second, factories.DocumentType.FEASIBILITY_STUDY)
            await factories.advance(second, Stage.EXPLORATION)
            await drain_outbox()
            seen = [await everything.next() for _ in range(5)]
            only = await filtered.next()
            await filtered.nothing()
            await everything.nothing()
    rows = await OutboxEvent.all().order_by("seq")
    assert [m["eventId"] for m in seen] == [str(r.event_id) for r in rows]
    entries = await redis.xrange(STREAM)
    assert [m["cursor"] for m in seen] == [e[0].decode() for e in entries]
    assert only["type"] == "partnership.document_added"
    assert only["partnership"]["id"] == to_base64("Partnership", second.id)


async def test_resume_after_missed_events_then_live_ones_exactly_once_in_order(
    db: str, redis: Any, admin: str, drain_outbox: Any, private_redis: Any
) -> None:
    async with live_app(db, redis_url=private_redis.url) as (app, client):
        p = await factories.pair()
        async with subscribe(app, client, admin) as live:
            await drain_outbox()
            last = await live.next()
        for kind in (factories.DocumentType.FEASIBILITY_STUDY, factories.DocumentType.WORK_PLAN):
            await factories.document(p, kind)
        await factories.advance(p, Stage.EXPLORATION)
        await drain_outbox()  # three events while nobody listens
        async with subscribe(app, client, admin, after=last["cursor"]) as live:
            missed = [await live.next() for _ in range(3)]
            await factories.document(p, factories.DocumentType.LETTER_OF_INTENT)
            await drain_outbox()
            later = await live.next()
            await live.nothing()
    rows = await OutboxEvent.all().order_by("seq")
    assert [m["eventId"] for m in [last, *missed, later]] == [str(r.event_id) for r in rows]


async def test_a_trimmed_cursor_is_expired_and_a_kept_one_resumes(
    db: str, redis: Any, admin: str, drain_outbox: Any, private_redis: Any
) -> None:
    async with live_app(db, redis_url=private_redis.url) as (app, client):
        await factories.at_stage(Stage.EXPLORATION)
        await drain_outbox()
        ids = [entry[0].decode() for entry in await redis.xrange(STREAM)]
        assert len(ids) == 3
        await redis.xtrim(STREAM, maxlen=2, approximate=False)  # the first is gone
        async with subscribe(app, client, admin, registers=False, after=ids[0]) as live:
            error = await live.error()
            assert error["extensions"] == {"code": "CURSOR_EXPIRED", "field": "after"}
        between = f"{cursor_key(ids[1])[0]}-{cursor_key(ids[1])[1] + 1}"
        if between != ids[2]:  # an id that was never in the stream
            async with subscribe(app, client, admin, registers=False, after=between) as live:
                assert (await live.error())["extensions"]["code"] == "CURSOR_EXPIRED"
        async with subscribe(app, client, admin, after=ids[1]) as live:
            assert (await live.next())["cursor"] == ids[2]
        async with subscribe(app, client, registers=False, types=["partnership.moved"]) as live:
            assert (await live.error())["extensions"]["code"] == "INVALID"


async def test_anonymous_callers_get_only_public_events(
    db: str, redis: Any, drain_outbox: Any, private_redis: Any
) -> None:
    async with live_app(db, redis_url=private_redis.url) as (app, client):
        public = await factories.at_stage(Stage.IMPLEMENTATION)
        hidden = await factories.at_stage(Stage.EXPLORATION, indonesian="Bogor", foreign="Osaka")
        await drain_outbox()
        async with subscribe(app, client) as live:
            await factories.document(hidden, factories.DocumentType.LETTER_OF_INTENT)
            await factories.advance(hidden, Stage.NEGOTIATION)
            await factories.advance(public, Stage.EVALUATION)  # stage history: not public
            for p in (hidden, public):
                await programs.create_program(
                    partnership_id=p.id,
                    title="Youth exchange",
                    area=Area.EDUCATION,
                    type=ProgramType.YOUTH_EXCHANGE,
                    actor="t",
                )
            await drain_outbox()
            message = await live.next()
            await live.nothing()
    assert message["type"] == "program.created"
    assert message["partnership"]["id"] == to_base64("Partnership", public.id)


async def test_a_redelivered_notify_appends_once_so_a_resumed_client_gets_it_once(
    db: str, redis: Any, admin: str, drain_outbox: Any, private_redis: Any
) -> None:
    async with live_app(db, redis_url=private_redis.url) as (app, client):
        await factories.pair()
        async with subscribe(app, client, admin) as live:
            await drain_outbox()
            [row] = await OutboxEvent.all()
            await actors._notify(Envelope.from_row(row))  # the worker died before its key committed
            message = await live.next()
            await live.nothing()
        async with subscribe(app, client, admin, after=message["cursor"]) as resumed:
            await resumed.nothing()  # no second entry with the same event id to resume into
    assert await redis.xlen(STREAM) == 1
    assert message["eventId"] == str(row.event_id)


async def test_appending_the_same_envelope_twice_leaves_one_entry(
    private_redis: Any, redis: Any
) -> None:
    data = '{"event_id": "0b7e4c1e-1c2a-4d0c-9a53-7c1f3f0e5a11", "type": "partnership.proposed"}'
    first = await streams.append(redis, stream="s", data=data, retention_seconds=60, max_entries=10)
    again = await streams.append(redis, stream="s", data=data, retention_seconds=60, max_entries=10)
    other = await streams.append(
        redis, stream="s", data=data.replace("0b7e", "1c8f"), retention_seconds=60, max_entries=10
    )
    assert again == first  # the entry that carries the event
    assert [e[0].decode() for e in await redis.xrange("s")] == [first, other]
    ttl = await redis.ttl("kembar:streamed:0b7e4c1e-1c2a-4d0c-9a53-7c1f3f0e5a11")
    assert 0 < ttl <= 60  # remembered as long as the stream retains the entry
    for _ in range(2):  # without an event id there is nothing to dedupe by
        await streams.append(redis, stream="t", data="[]", retention_seconds=60, max_entries=10)
    assert await redis.xlen("t") == 2


async def test_the_reader_reconnects_after_redis_restarts(
    db: str, redis: Any, admin: str, drain_outbox: Any, private_redis: Any
) -> None:
    async with live_app(db, redis_url=private_redis.url) as (app, client):
        async with subscribe(app, client, admin) as live:
            private_redis.stop()
            await asyncio.sleep(0.5)  # the reader fails and backs off
            private_redis.start()  # empty: nothing was persisted
            await factories.pair()
            await drain_outbox()
            message = await live.next(wait=15)
    assert message["type"] == "partnership.proposed"


async def test_append_trims_by_age_and_length(private_redis: Any, redis: Any) -> None:
    await redis.config_set("stream-node-max-entries", 1)  # so that ~ trimming is exact here
    for i in range(3):
        await streams.append(redis, stream="s", data=f"{i}", retention_seconds=60, max_entries=10)
    await asyncio.sleep(0.05)
    split = time.time_ns() // 1_000_000
    await asyncio.sleep(0.05)
    newer = await streams.append(  # a second's retention, a second later: the first three age out
        redis, stream="s", data="later", retention_seconds=1, max_entries=10, now_ms=split + 1000
    )
    assert [e[0].decode() for e in await redis.xrange("s")] == [newer]
    for i in range(5):
        await streams.append(redis, stream="s", data=f"{i}", retention_seconds=3600, max_entries=2)
    assert await redis.xlen("s") == 2
    with pytest.raises(CursorExpired):
        await streams.after(redis, "s", newer, 10)
    assert await streams.last_id(redis, "missing") == "0-0"


async def test_resuming_while_redis_is_down_is_unavailable_not_a_gap(
    db: str, redis: Any, admin: str, private_redis: Any
) -> None:
    async with live_app(db, redis_url=private_redis.url) as (app, client):
        cursor = await streams.append(
            redis, stream=STREAM, data="{}", retention_seconds=60, max_entries=10
        )
        private_redis.stop()
        try:
            async with subscribe(app, client, admin, registers=False, after=cursor) as live:
                error = await live.error(wait=20)
        finally:
            private_redis.start()
    assert error["extensions"] == {"code": "UNAVAILABLE"}
    assert app.state.live.live == 0


async def test_an_api_started_while_redis_is_down_streams_once_it_is_back(
    db: str, redis: Any, admin: str, drain_outbox: Any, private_redis: Any
) -> None:
    private_redis.stop()
    try:
        async with live_app(db, redis_url=private_redis.url) as (app, client):
            async with subscribe(app, client, admin) as live:
                private_redis.start()
                await factories.pair()
                await drain_outbox()
                message = await live.next(wait=15)
    finally:
        if private_redis.process is None:
            private_redis.start()
    assert message["type"] == "partnership.proposed"
