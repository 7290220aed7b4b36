"""Live subscriptions over graphql-transport-ws through the real ASGI app (lifespan included), in
the embedded mode: the notify actor hands events to this process's ring buffer and fan-out.

The websocket client is httpx-ws on the test's own event loop, so the app shares the test's
database connections (Starlette's TestClient runs the app on another loop, where PostgreSQL's
pool cannot be used)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from httpx_ws import WebSocketDisconnect, WebSocketUpgradeError, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from strawberry.relay import to_base64

from api import auth
from api.app import create_app
from core import notices
from core.enums import Area, ProgramType
from core.models import OutboxEvent
from core.policy import Role
from core.services import accounts, programs
from core.stages import Stage
from tests import factories
from tests.api.conftest import api_settings, issue_token

EVENTS = """
subscription Live($partnershipId: ID, $regionId: ID, $types: [String!], $after: String) {
  partnershipEvents(partnershipId: $partnershipId, regionId: $regionId, types: $types,
                    after: $after) {
    cursor eventId type occurredAt correlationId payload
    partnership { id stage status indonesianRegion { name } }
  }
}
"""
TIMEOUT = 5.0


class Live:
    """One graphql-transport-ws connection with one subscription (id "1")."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    async def next(self, wait: float = TIMEOUT) -> dict[str, Any]:
        """The next event message's fields; fails on anything else."""
        message = await self.ws.receive_json(timeout=wait)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        return message["payload"]["data"]["partnershipEvents"]

    async def error(self, wait: float = TIMEOUT) -> dict[str, Any]:
        """The first error of an ``error`` message or of a ``next`` carrying errors."""
        message = await self.ws.receive_json(timeout=wait)
        if message["type"] == "error":
            return message["payload"][0]
        assert message["type"] == "next" and message["payload"].get("errors"), message
        return message["payload"]["errors"][0]

    async def nothing(self, seconds: float = 0.3) -> None:
        with pytest.raises(TimeoutError):
            message = await self.ws.receive_json(timeout=seconds)
            raise AssertionError(f"unexpected message {message}")


@contextlib.asynccontextmanager
async def live_app(db: str, **overrides: Any) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """The app with its lifespan running (the fan-out started), and a client for it."""
    app = create_app(api_settings(db, **overrides), manage_db=False)
    async with app.router.lifespan_context(app), ASGIWebSocketTransport(app=app) as transport:
        async with httpx.AsyncClient(transport=transport, base_url="http://kembar.test") as client:
            yield app, client


@contextlib.asynccontextmanager
async def subscribe(
    app: Any,
    client: httpx.AsyncClient,
    token: str | None = None,
    *,
    registers: bool = True,
    **variables: Any,
) -> AsyncIterator[Live]:
    """A subscription to EVENTS; waits until the fan-out holds it unless it ``registers=False``
    (refused with an error)."""
    params = {"authorization": f"Bearer {token}"} if token else {}
    before = app.state.live.live
    async with aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send_json({"type": "connection_init", "payload": params})
        assert (await ws.receive_json(timeout=TIMEOUT))["type"] == "connection_ack"
        payload = {"query": EVENTS, "variables": variables}
        await ws.send_json({"id": "1", "type": "subscribe", "payload": payload})
        async with asyncio.timeout(TIMEOUT):
            while registers and app.state.live.live == before:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        yield Live(ws)


@pytest.fixture
async def admin() -> str:
    return await issue_token(Role.ADMIN, email="live-admin@kembar.test")


async def transitions(drain_outbox: Any, *stages: Stage, **names: str) -> Any:
    """A new partnership walked to each stage in turn, its events relayed and notified."""
    p = await factories.pair(**names)
    for stage in stages:
        p = await factories.walk(p, stage)
    await drain_outbox()
    return p


async def test_an_admin_receives_each_event_with_its_partnership(
    db: str, admin: str, drain_outbox: Any
) -> None:
    async with live_app(db) as (app, client), subscribe(app, client, admin) as live:
        p = await transitions(drain_outbox, Stage.EXPLORATION)
        proposed, added, advanced = [await live.next() for _ in range(3)]
        await live.nothing()
    rows = await OutboxEvent.all().order_by("seq")
    assert [m["type"] for m in (proposed, added, advanced)] == [r.type for r in rows]
    assert [m["eventId"] for m in (proposed, added, advanced)] == [str(r.event_id) for r in rows]
    assert advanced["payload"]["to_stage"] == "exploration"
    assert advanced["partnership"] == {
        "id": to_base64("Partnership", p.id),
        "stage": "EXPLORATION",
        "status": "IN_PREPARATION",
        "indonesianRegion": {"name": "Bandung"},
    }
    assert notices.cursor_key(proposed["cursor"]) < notices.cursor_key(added["cursor"])
    assert notices.cursor_key(added["cursor"]) < notices.cursor_key(advanced["cursor"])


async def test_filters_by_partnership_type_and_region_including_its_children(
    db: str, admin: str, drain_outbox: Any
) -> None:
    province = await factories.region("Jawa Barat", level=factories.RegionLevel.PROVINCE)
    bandung = await factories.region("Bandung", parent_id=province.id)
    bogor = await factories.region("Bogor")
    osaka = await factories.region("Osaka", "JP")
    hamburg = await factories.region("Hamburg", "DE")
    async with live_app(db) as (app, client):
        first = await factories.propose(bandung, hamburg)
        second = await factories.propose(bogor, osaka)
        await drain_outbox()
        cursor = notices.buffer.entries[-1].cursor  # resume after the two proposals
        variables = [
            {"partnershipId": to_base64("Partnership", second.id)},
            {"types": ["partnership.stage_advanced"]},
            {"regionId": to_base64("City", province.id)},  # Bandung's province
            {"regionId": to_base64("City", osaka.id)},  # the foreign side
        ]
        async with contextlib.AsyncExitStack() as stack:
            lives = [
                await stack.enter_async_context(subscribe(app, client, admin, **v))
                for v in variables
            ]
            await factories.document(first, factories.DocumentType.FEASIBILITY_STUDY)
            await factories.document(second, factories.DocumentType.FEASIBILITY_STUDY)
            await factories.advance(first, Stage.EXPLORATION)
            await factories.advance(second, Stage.EXPLORATION)
            await drain_outbox()
            by_partnership, by_type, by_province, by_foreign = lives
            seen = [[await live.next() for _ in range(2)] for live in lives]
            for live in lives:
                await live.nothing(0.2)
    only = {to_base64("Partnership", second.id)}
    assert {m["partnership"]["id"] for m in seen[0]} == only
    assert [m["type"] for m in seen[0]] == [
        "partnership.document_added",
        "partnership.stage_advanced",
    ]
    assert [m["type"] for m in seen[1]] == ["partnership.stage_advanced"] * 2
    assert {m["partnership"]["id"] for m in seen[2]} == {to_base64("Partnership", first.id)}
    assert {m["partnership"]["id"] for m in seen[3]} == only
    assert all(notices.cursor_key(m["cursor"]) > notices.cursor_key(cursor) for m in seen[1])
    assert by_partnership and by_type and by_province and by_foreign


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"types": ["partnership.moved"]}, "INVALID", "types"),
        ({"types": []}, "INVALID", "types"),
        ({"after": "not-a-cursor"}, "INVALID", "after"),
        ({"partnershipId": to_base64("City", 1)}, "INVALID", "partnershipId"),
        ({"partnershipId": to_base64("Partnership", 999)}, "NOT_FOUND", "partnershipId"),
        ({"regionId": to_base64("City", 999)}, "NOT_FOUND", "regionId"),
        ({"after": "1-1"}, "CURSOR_EXPIRED", "after"),  # another run's cursor
    ],
)
async def test_bad_arguments_are_typed_errors_before_anything_streams(
    db: str, admin: str, variables: dict[str, Any], code: str, field: str
) -> None:
    async with (
        live_app(db) as (app, client),
        subscribe(app, client, admin, registers=False, **variables) as live,
    ):
        error = await live.error()
        assert error["extensions"]["code"] == code, error
        assert error["extensions"].get("field") == field
        assert app.state.live.live == 0


async def test_resume_after_missed_events_gets_each_once_in_order(
    db: str, admin: str, drain_outbox: Any
) -> None:
    async with live_app(db) as (app, client):
        p = await factories.pair()
        async with subscribe(app, client, admin) as live:
            await drain_outbox()
            last = await live.next()
        await factories.document(p, factories.DocumentType.FEASIBILITY_STUDY)
        await factories.advance(p, Stage.EXPLORATION)
        await factories.document(p, factories.DocumentType.LETTER_OF_INTENT)
        await drain_outbox()  # three events while disconnected
        async with subscribe(app, client, admin, after=last["cursor"]) as live:
            missed = [await live.next() for _ in range(3)]
            await factories.advance(p, Stage.NEGOTIATION)
            await drain_outbox()
            after = await live.next()
            await live.nothing()
    rows = await OutboxEvent.all().order_by("seq")
    assert [m["eventId"] for m in [last, *missed, after]] == [str(r.event_id) for r in rows]


async def test_a_cursor_no_longer_retained_is_expired(
    db: str, admin: str, drain_outbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notices, "buffer", notices.RingBuffer(1))
    async with live_app(db) as (app, client):
        await transitions(drain_outbox, Stage.EXPLORATION)  # three events, the buffer keeps one
        epoch = notices.buffer.epoch
        async with subscribe(app, client, admin, registers=False, after=f"{epoch}-1") as live:
            assert (await live.error())["extensions"]["code"] == "CURSOR_EXPIRED"  # 2 is lost
        async with subscribe(app, client, admin, after=f"{epoch}-2") as live:
            assert (await live.next())["type"] == "partnership.stage_advanced"
            await live.nothing()


async def test_a_redelivered_event_is_sent_once(db: str, admin: str, drain_outbox: Any) -> None:
    async with live_app(db) as (app, client), subscribe(app, client, admin) as live:
        await factories.pair()
        await drain_outbox()
        message = await live.next()
        notices.publish_local(notices.buffer.entries[-1].data)  # the notify actor ran twice
        await live.nothing()
    assert message["type"] == "partnership.proposed"


async def test_anonymous_callers_follow_public_events_of_public_partnerships_only(
    db: str, drain_outbox: Any
) -> None:
    async with live_app(db) as (app, client):
        active = await transitions(drain_outbox, Stage.IMPLEMENTATION)
        hidden = await transitions(
            drain_outbox, Stage.EXPLORATION, indonesian="Bogor", foreign="Osaka", country="JP"
        )
        internal = ["partnership.stage_advanced"]
        async with subscribe(app, client, registers=False, types=internal) as live:
            error = await live.error()
            assert error["extensions"] == {"code": "FORBIDDEN", "field": "types"}
        async with subscribe(
            app, client, registers=False, partnershipId=to_base64("Partnership", hidden.id)
        ) as live:
            assert (await live.error())["extensions"]["code"] == "NOT_FOUND"
        async with subscribe(app, client) as live:
            await factories.document(hidden, factories.DocumentType.LETTER_OF_INTENT)
            await factories.advance(hidden, Stage.NEGOTIATION)
            for p in (hidden, active):
                await programs.create_program(
                    partnership_id=p.id,
                    title="Student exchange",
                    area=Area.EDUCATION,
                    type=ProgramType.STUDENT_EXCHANGE,
                    actor="t",
                )
            await drain_outbox()
            message = await live.next()
            await live.nothing()
    assert message["type"] == "program.created"
    assert message["partnership"]["id"] == to_base64("Partnership", active.id)


async def test_the_process_limit_refuses_more_subscriptions_and_metrics_count_them(
    db: str, admin: str
) -> None:
    async with live_app(db, live_subscriptions_max=1) as (app, client):
        async with (
            subscribe(app, client, admin),
            subscribe(app, client, admin, registers=False) as second,
        ):
            error = await second.error()
            assert error["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
            text = (await client.get("/metrics")).text
        assert "kembar_live_subscriptions 1.0" in text
        assert "kembar_live_refused_total 1.0" in text
        await asyncio.sleep(0.05)
        assert app.state.live.live == 0


async def test_a_disconnected_client_is_unregistered(db: str, admin: str) -> None:
    async with live_app(db) as (app, client):
        async with subscribe(app, client, admin):
            assert app.state.live.live == 1
        await asyncio.sleep(0.1)
        assert app.state.live.live == 0


async def test_a_subscription_over_plain_http_is_refused_not_an_internal_error(db: str) -> None:
    async with live_app(db) as (_app, client):
        response = await client.post("/graphql", json={"query": EVENTS})
        query = await client.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 400
    assert "subscriptions are not allowed" in response.text
    assert query.status_code == 200 and query.json()["data"] == {"__typename": "Query"}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OFFICER, Role.VIEWER, None])
async def test_every_role_follows_what_it_may_read(
    db: str, drain_outbox: Any, role: Role | None
) -> None:
    """Signed-in roles read every partnership (officers manage only theirs, but read all);
    anonymous callers read signed ones, and only their public kinds of event."""
    elsewhere = await factories.region("Medan")
    regions = (elsewhere.id,) if role is Role.OFFICER else ()
    token = None if role is None else await issue_token(role, regions=regions)
    async with live_app(db) as (app, client), subscribe(app, client, token) as live:
        await transitions(drain_outbox, Stage.EXPLORATION)  # in preparation: 3 internal events
        active = await transitions(
            drain_outbox, Stage.IMPLEMENTATION, indonesian="Bogor", foreign="Osaka", country="JP"
        )
        await programs.create_program(
            partnership_id=active.id,
            title="Teacher exchange",
            area=Area.EDUCATION,
            type=ProgramType.TEACHER_EXCHANGE,
            actor="t",
        )
        await drain_outbox()
        expected = await OutboxEvent.all().count() if role else 1
        seen = [await live.next() for _ in range(expected)]
        await live.nothing()
    if role is None:
        assert [m["type"] for m in seen] == ["program.created"]


async def test_one_connection_holds_at_most_its_share_of_operations(db: str) -> None:
    """The eleventh operation on one websocket is refused (typed); completing one frees a place;
    another connection has its own ten."""
    async with live_app(db) as (app, client):
        async with aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send_json({"type": "connection_init", "payload": {}})
            assert (await ws.receive_json(timeout=TIMEOUT))["type"] == "connection_ack"
            for n in range(1, 12):
                payload = {"query": EVENTS, "variables": {}}
                await ws.send_json({"id": str(n), "type": "subscribe", "payload": payload})
            refused = await ws.receive_json(timeout=TIMEOUT)
            assert refused["id"] == "11" and refused["type"] == "error", refused
            assert refused["payload"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
            async with asyncio.timeout(TIMEOUT):
                while app.state.live.live < 10:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
            async with subscribe(app, client) as other:  # a second connection
                await other.nothing(0.1)
                assert app.state.live.live == 11
            await ws.send_json({"id": "1", "type": "complete"})
            payload = {"query": EVENTS, "variables": {}}
            await ws.send_json({"id": "12", "type": "subscribe", "payload": payload})
            with pytest.raises(TimeoutError):
                message = await ws.receive_json(timeout=0.3)
                raise AssertionError(f"unexpected message {message}")
            assert app.state.live.live == 10


@pytest.mark.parametrize("lapse", ["revoke", "deactivate"])
async def test_a_token_that_lapses_ends_the_subscription_at_its_next_event(
    db: str, drain_outbox: Any, lapse: str
) -> None:
    account = await accounts.create_account(
        email="lapsing@kembar.test", role=Role.VIEWER, region_ids=[], actor="t"
    )
    issued = await accounts.create_token(account_id=account.id, actor="t")
    async with (
        live_app(db, live_reauth_seconds=0) as (app, client),
        subscribe(app, client, issued.secret) as live,
    ):
        p = await factories.pair()
        await drain_outbox()
        assert (await live.next())["type"] == "partnership.proposed"  # checked: still valid
        if lapse == "revoke":
            await accounts.revoke_token(token_id=issued.token.id, actor="t")
        else:
            await accounts.update_account(account_id=account.id, active=False, actor="t")
        await factories.document(p, factories.DocumentType.FEASIBILITY_STUDY)
        await drain_outbox()
        error = await live.error()
        await live.nothing()
        async with asyncio.timeout(TIMEOUT):
            while app.state.live.live:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        await live.ws.send_json({"id": "2", "type": "subscribe", "payload": {"query": EVENTS}})
        again = await live.error()
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert again["extensions"] == {"code": "UNAUTHENTICATED"}  # the connection stays lapsed


async def test_a_token_is_checked_again_only_after_the_interval(db: str, drain_outbox: Any) -> None:
    account = await accounts.create_account(
        email="lapsing@kembar.test", role=Role.VIEWER, region_ids=[], actor="t"
    )
    issued = await accounts.create_token(account_id=account.id, actor="t")
    async with (
        live_app(db, live_reauth_seconds=0.5) as (app, client),
        subscribe(app, client, issued.secret) as live,
    ):
        p = await factories.pair()
        await accounts.revoke_token(token_id=issued.token.id, actor="t")
        await drain_outbox()
        assert (await live.next())["type"] == "partnership.proposed"  # within the interval
        await asyncio.sleep(0.5)
        await factories.document(p, factories.DocumentType.FEASIBILITY_STUDY)
        await drain_outbox()
        assert (await live.error())["extensions"] == {"code": "UNAUTHENTICATED"}


async def test_a_token_that_cannot_be_checked_again_ends_the_subscription_unavailable(
    db: str, admin: str, drain_outbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unreachable(token: str | None) -> Any:
        raise ConnectionRefusedError("the database is down")

    async with live_app(db, live_reauth_seconds=0) as (app, client):
        async with subscribe(app, client, admin) as live:
            monkeypatch.setattr(auth, "principal_for", unreachable)
            await factories.pair()
            await drain_outbox()
            assert (await live.error())["extensions"] == {"code": "UNAVAILABLE"}
        monkeypatch.undo()
        async with subscribe(app, client, admin) as live:  # checked again: it resumes
            await factories.pair("Bogor", "Osaka", "JP")
            await drain_outbox()
            assert (await live.next())["type"] == "partnership.proposed"


@pytest.mark.parametrize("denial_response", [False, True])
async def test_websocket_connects_count_in_the_rate_limit_per_ip(
    db: str, denial_response: bool
) -> None:
    """Over the limit a websocket is refused before it opens: with a 429 where the server
    supports the denial-response extension (uvicorn does), else closed with 1008."""
    async with live_app(db, rate_limit_ip_per_minute=2) as (app, client):
        if denial_response:
            inner = client._transport.app  # type: ignore[attr-defined]

            async def extended(scope: Any, receive: Any, send: Any) -> None:
                await inner({**scope, "extensions": {"websocket.http.response": {}}}, receive, send)

            client._transport.app = extended  # type: ignore[attr-defined]
        async with subscribe(app, client, registers=False):
            pass
        assert (await client.post("/graphql", json={"query": "{ __typename }"})).status_code == 200
        with pytest.raises((WebSocketDisconnect, WebSocketUpgradeError)) as refused:
            async with subscribe(app, client, registers=False):
                pass
    if denial_response:
        assert isinstance(refused.value, WebSocketUpgradeError)
        assert refused.value.response.status_code == 429
        assert 1 <= int(refused.value.response.headers["retry-after"]) <= 60
        assert refused.value.response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    else:
        assert isinstance(refused.value, WebSocketDisconnect)
        assert refused.value.code == 1008
