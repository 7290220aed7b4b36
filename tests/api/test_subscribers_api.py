"""Subscribers and deliveries through GraphQL: typed errors, the secret shown once, ownership,
deliveries with their attempts, and the admins' redeliver and replay."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from standardwebhooks import Webhook

from core.envelope import Envelope
from core.models import AuditEntry, Delivery, OutboxEvent, Subscriber
from core.policy import Role
from core.services import deliveries, delivery_attempts
from core.webhooks import signing
from tests import factories
from tests.api.conftest import ClientFactory, GraphQLClient, api_settings, issue_token, open_client
from tests.webhook_receiver import WebhookReceiver, webhook_env  # noqa: F401

pytestmark = pytest.mark.usefixtures("webhook_env")

CREATE = """mutation($input: CreateSubscriberInput!) { createSubscriber(input: $input) {
  subscriber { id name locale webhookUrl webhookEnabled emailEnabled inAppEnabled eventTypes
               topic { kind partnershipId regionId countryCode } version }
  webhookSecret errors { field code message } } }"""
UPDATE = """mutation($input: UpdateSubscriberInput!) { updateSubscriber(input: $input) {
  subscriber { id name email emailEnabled webhookEnabled webhookDisabledReason version }
  webhookSecret errors { field code } } }"""
ROTATE = """mutation($input: SubscriberIdInput!) { rotateWebhookSecret(input: $input) {
  subscriber { id } webhookSecret errors { field code } } }"""
DELETE = """mutation($input: SubscriberIdInput!) { deleteSubscriber(input: $input) {
  deletedId errors { field code } } }"""
ENABLE = """mutation($input: SubscriberIdInput!) { enableWebhook(input: $input) {
  subscriber { webhookEnabled webhookDisabledAt webhookDisabledReason failingSince }
  errors { field code } } }"""
LIST = """{ subscribers(first: 50) { totalCount edges { node { id name } } } }"""


def gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


def _all_topic() -> dict[str, Any]:
    return {"kind": "ALL"}


async def _create(client: GraphQLClient, **fields: Any) -> dict[str, Any]:
    values = {"name": "Dinas Kominfo", "topic": _all_topic(), **fields}
    return (await client.ok(CREATE, input=values))["createSubscriber"]


async def test_secret_is_shown_once_and_signs(gql: GraphQLClient, db: str) -> None:
    with WebhookReceiver() as receiver:
        made = await _create(gql, webhookUrl=receiver.url, webhookEnabled=True)
        assert made["errors"] == []
        secret = made["webhookSecret"]
        assert secret.startswith("whsec_") and len(signing.decode(secret)) == 32
        sub_id = made["subscriber"]["id"]
        listed = await gql.http.post(
            "/graphql",
            json={"query": f'{{ subscribers {{ edges {{ node {{ id webhookUrl }} }} }} '
                  f'node(id: "{sub_id}") {{ ... on Subscriber {{ name }} }} '
                  "auditLog(last: 50) { edges { node { after } } } }"},
        )  # fmt: skip
        assert listed.status_code == 200 and secret not in listed.text
        assert secret[6:] not in listed.text  # nor its base64 part
        assert secret[6:] not in str(await AuditEntry.all().values())
        p = await factories.pair()
        envelope = Envelope.from_row(await OutboxEvent.get(aggregate_id=str(p.id)))
        [delivery_id] = await deliveries.plan(envelope=envelope)
        await delivery_attempts.send(delivery_id=delivery_id)
        [request] = receiver.wait_for(1)
        assert Webhook(secret).verify(request.body, request.headers)["type"] == envelope.type
        rotated = (await gql.ok(ROTATE, input={"id": sub_id}))["rotateWebhookSecret"]
        assert rotated["errors"] == [] and rotated["webhookSecret"] not in (None, secret)
        updated = (await gql.ok(UPDATE, input={"id": sub_id, "name": "Renamed"}))
        assert updated["updateSubscriber"]["webhookSecret"] is None  # not shown again
    no_hook = await _create(gql, inAppEnabled=True)
    assert no_hook["webhookSecret"] is None
    first_url = await gql.ok(
        UPDATE, input={"id": no_hook["subscriber"]["id"], "webhookUrl": "https://hooks.example.org/k"}
    )
    assert first_url["updateSubscriber"]["webhookSecret"].startswith("whsec_")


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"webhookUrl": "ftp://example.org/in"}, "webhookUrl", "INVALID"),
        ({"webhookUrl": "http://10.0.0.5/in"}, "webhookUrl", "INVALID"),
        ({"webhookUrl": "http://[::ffff:169.254.169.254]/"}, "webhookUrl", "INVALID"),
        ({"webhookUrl": "not a url"}, "webhookUrl", "INVALID"),
        ({"webhookEnabled": True}, "webhookUrl", "REQUIRED"),
        ({"emailEnabled": True}, "email", "REQUIRED"),
        ({"email": "nobody"}, "email", "INVALID"),
        ({"email": "a,b@x.go.id"}, "email", "INVALID"),
        ({"email": "a@@x.go.id"}, "email", "INVALID"),
        ({"email": "a(b)@x.go.id"}, "email", "INVALID"),
        ({"email": "a@x.go.id."}, "email", "INVALID"),
        ({"webhookUrl": "http://b\u00fccher..de/in"}, "webhookUrl", "INVALID"),
        ({"locale": "fr"}, "locale", "INVALID"),
        ({"name": "  "}, "name", "REQUIRED"),
        ({"name": "x" * 201}, "name", "INVALID"),
        ({"eventTypes": ["partnership.exploded"]}, "eventTypes", "INVALID"),
        ({"topic": {"kind": "PARTNERSHIP"}}, "topic", "REQUIRED"),
        ({"topic": {"kind": "PARTNERSHIP", "partnershipId": gid("Partnership", 99999)}},
         "topic.partnershipId", "NOT_FOUND"),
        ({"topic": {"kind": "PARTNERSHIP", "partnershipId": gid("City", 1)}},
         "topic.partnershipId", "INVALID"),
        ({"topic": {"kind": "REGION", "regionId": gid("City", 99999)}}, "topic.regionId",
         "NOT_FOUND"),
        ({"topic": {"kind": "COUNTRY", "countryCode": "XX"}}, "topic.countryCode", "NOT_FOUND"),
        ({"topic": {"kind": "ALL", "countryCode": "DE"}}, "topic.countryCode", "INVALID"),
    ],
)  # fmt: skip
async def test_bad_input_gets_typed_errors_and_writes_nothing(
    gql: GraphQLClient, fields: dict[str, Any], field: str, code: str
) -> None:
    before = (await Subscriber.all().count(), await AuditEntry.all().count())
    made = await _create(gql, **fields)
    assert made["subscriber"] is None and made["webhookSecret"] is None
    assert [(e["field"], e["code"]) for e in made["errors"]][:1] == [(field, code)], made
    assert (await Subscriber.all().count(), await AuditEntry.all().count()) == before


async def test_owners_manage_their_own_and_admins_all(
    gql: GraphQLClient, client_as: ClientFactory, db: str
) -> None:
    alice = await client_as(Role.VIEWER)
    bob_token = await issue_token(Role.VIEWER, email="bob@kembar.test")
    anonymous = await client_as(None)
    mine = (await _create(alice, name="alice's", inAppEnabled=True))["subscriber"]
    async with open_client(api_settings(db), bob_token) as bob:
        refused = await bob.ok(UPDATE, input={"id": mine["id"], "name": "taken"})
        assert refused["updateSubscriber"]["errors"] == [{"field": None, "code": "FORBIDDEN"}]
        for mutation, name in ((DELETE, "deleteSubscriber"), (ROTATE, "rotateWebhookSecret")):
            body = await bob.ok(mutation, input={"id": mine["id"]})
            assert body[name]["errors"] == [{"field": None, "code": "FORBIDDEN"}]
        assert (await bob.ok(LIST))["subscribers"]["totalCount"] == 0
        node = await bob.ok(f'{{ node(id: "{mine["id"]}") {{ id }} }}')
        assert node["node"] is None
        await _create(bob, name="bob's")
    listed = (await alice.ok(LIST))["subscribers"]
    assert [e["node"]["name"] for e in listed["edges"]] == ["alice's"]
    assert (await gql.ok(LIST))["subscribers"]["totalCount"] == 2
    assert (await anonymous.ok(LIST))["subscribers"] is None
    made = await anonymous.ok(CREATE, input={"name": "anon", "topic": _all_topic()})
    assert made["createSubscriber"]["errors"][0]["code"] == "FORBIDDEN"
    renamed = await alice.ok(UPDATE, input={"id": mine["id"], "name": "still alice's"})
    assert renamed["updateSubscriber"]["subscriber"]["version"] == 2
    by_admin = await gql.ok(UPDATE, input={"id": mine["id"], "email": "a@kembar.test",
                                           "emailEnabled": True})  # fmt: skip
    assert by_admin["updateSubscriber"]["subscriber"]["emailEnabled"] is True
    cleared = await alice.ok(UPDATE, input={"id": mine["id"], "email": None})
    assert cleared["updateSubscriber"]["errors"] == [{"field": "email", "code": "REQUIRED"}]
    gone = await alice.ok(DELETE, input={"id": mine["id"]})
    assert gone["deleteSubscriber"] == {"deletedId": mine["id"], "errors": []}
    assert (await alice.ok(LIST))["subscribers"]["totalCount"] == 0


async def test_deliveries_attempts_redeliver_and_replay(
    gql: GraphQLClient, client_as: ClientFactory
) -> None:
    start = datetime.now(UTC) - timedelta(seconds=2)
    with WebhookReceiver(statuses=[500, 410]) as receiver:
        made = await _create(gql, webhookUrl=receiver.url, webhookEnabled=True, inAppEnabled=True)
        sub_id = made["subscriber"]["id"]
        p = await factories.pair()
        envelope = Envelope.from_row(await OutboxEvent.get(aggregate_id=str(p.id)))
        [delivery_id] = await deliveries.plan(envelope=envelope)
        await delivery_attempts.send(delivery_id=delivery_id)
        await asyncio.sleep(0.06)  # the compressed schedule's first wait
        await delivery_attempts.send(delivery_id=delivery_id)
    query = """query($id: ID!, $channel: DeliveryChannel) { node(id: $id) { ... on Subscriber {
      webhookEnabled webhookDisabledReason
      deliveries(filter: {channel: $channel}) { totalCount edges { node {
        id eventId eventType channel status attemptCount lastError
        attempts { attemptedAt statusCode durationMs error } } } } } } }"""
    data = (await gql.ok(query, id=sub_id, channel="WEBHOOK"))["node"]
    assert data["webhookEnabled"] is False and "410" in data["webhookDisabledReason"]
    [edge] = data["deliveries"]["edges"]
    delivery = edge["node"]
    assert delivery["eventId"] == str(envelope.event_id) and delivery["status"] == "FAILED"
    assert [a["statusCode"] for a in delivery["attempts"]] == [500, 410]
    assert delivery["attemptCount"] == 2 and delivery["attempts"][0]["error"].startswith("HTTP 500")
    in_app = (await gql.ok(query, id=sub_id, channel="IN_APP"))["node"]["deliveries"]
    assert {e["node"]["eventType"] for e in in_app["edges"]} == {
        "partnership.proposed", "subscriber.webhook_disabled"}  # fmt: skip
    viewer = await client_as(Role.VIEWER)
    redeliver = """mutation($input: RedeliverInput!) { redeliver(input: $input) {
      delivery { status attemptCount attempts { statusCode } } errors { field code } } }"""
    refused = await viewer.ok(redeliver, input={"deliveryId": delivery["id"]})
    assert refused["redeliver"]["errors"] == [{"field": None, "code": "FORBIDDEN"}]
    enabled = await gql.ok(ENABLE, input={"id": sub_id})
    assert enabled["enableWebhook"]["subscriber"]["webhookEnabled"] is True
    again = (await gql.ok(redeliver, input={"deliveryId": delivery["id"]}))["redeliver"]
    assert again["errors"] == [] and again["delivery"]["status"] == "PENDING"
    assert again["delivery"]["attemptCount"] == 0 and len(again["delivery"]["attempts"]) == 2
    bad = await gql.ok(redeliver, input={"deliveryId": gid("Delivery", 99999)})
    assert bad["redeliver"]["errors"] == [{"field": "deliveryId", "code": "NOT_FOUND"}]
    replay = """mutation($input: ReplayEventsInput!) { replayEvents(input: $input) {
      deliveries errors { field code } } }"""
    replayed = await gql.ok(replay, input={"since": start.isoformat(), "subscriberId": sub_id})
    assert replayed["replayEvents"] == {"deliveries": 1, "errors": []}
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert (await gql.ok(replay, input={"since": future}))["replayEvents"]["errors"] == [
        {"field": "since", "code": "INVALID"}
    ]
    refused = await viewer.ok(replay, input={"since": start.isoformat()})
    assert refused["replayEvents"]["errors"] == [{"field": None, "code": "FORBIDDEN"}]
    assert await Delivery.filter(status="pending").count() == 1


async def test_metrics_count_deliveries_by_channel_and_status(gql: GraphQLClient) -> None:
    from tests.api.test_metrics import scrape, value

    empty = await scrape(gql)
    assert value(empty, "kembar_deliveries", channel="webhook", status="pending") == 0
    assert ("kembar_deliveries", frozenset({("channel", "email"), ("status", "failed")})) in empty
    await _create(gql, webhookUrl="https://hooks.example.org/k", webhookEnabled=True,
                  inAppEnabled=True)  # fmt: skip
    p = await factories.pair()
    await deliveries.plan(envelope=Envelope.from_row(await OutboxEvent.get(aggregate_id=str(p.id))))
    counted = await scrape(gql)
    assert value(counted, "kembar_deliveries", channel="webhook", status="pending") == 1
    assert value(counted, "kembar_deliveries", channel="in_app", status="delivered") == 1
