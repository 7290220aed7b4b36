"""End to end, issue 4's "done when": one subscriber on all three channels. Real processes — the
API under uvicorn, `kembar relay`, a Dramatiq worker — on PostgreSQL and a private Redis; an SMTP
server (aiosmtpd), a webhook receiver and a websocket client started by the test.

Advancing a partnership through the API yields exactly one webhook whose signature the independent
``standardwebhooks`` package verifies, exactly one e-mail, exactly one message on the live
subscription, and one delivery per channel recorded as delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from standardwebhooks import Webhook
from strawberry.relay import to_base64
from websockets.asyncio.client import connect

from core.models import Delivery, DeliveryStatus, Partnership
from core.policy import Role
from core.stages import Stage
from tests import factories
from tests.api.conftest import issue_token
from tests.e2e.processes import Processes
from tests.e2e.test_live_e2e import ADVANCE, call, receive, until_live
from tests.e2e.test_webhook_e2e import subscribe_webhook, webhook_processes  # noqa: F401
from tests.mail_server import MailServer, mail_server  # noqa: F401
from tests.webhook_receiver import WebhookReceiver, webhook_env  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]

SETTLE = 3.0  # seconds to wait for a duplicate that must not come
STAGE_CHANGES = """
subscription Live($partnershipId: ID) {
  partnershipEvents(partnershipId: $partnershipId, types: ["partnership.stage_advanced"]) {
    cursor eventId type partnership { id stage }
  }
}
"""


@contextlib.asynccontextmanager
async def subscribed(port: int, token: str, partnership_id: str) -> AsyncIterator[Any]:
    """A websocket client following one partnership's stage changes."""
    async with connect(
        f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]
    ) as ws:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        await ws.send(json.dumps(init))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        payload = {"query": STAGE_CHANGES, "variables": {"partnershipId": partnership_id}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        yield ws


async def test_one_subscriber_on_every_channel_gets_each_notification_once(
    webhook_processes: Processes,  # noqa: F811
    mail_server: MailServer,  # noqa: F811
) -> None:
    processes = webhook_processes
    processes.env.update(mail_server.env())
    processes.start("relay")
    processes.start("worker")
    port = processes.start_api("api")

    p = await factories.pair("Bandung", "Braunschweig", "DE")
    await factories.document(p, factories.DocumentType.FEASIBILITY_STUDY)
    token = await issue_token(Role.ADMIN, email="admin-all-channels@kembar.test")
    node_id = to_base64("Partnership", p.id)

    with WebhookReceiver() as receiver:
        subscriber_id, secret = await subscribe_webhook(
            receiver.url,
            p,
            ["partnership.stage_advanced"],
            email="kerjasama@bandung.go.id",
            email_enabled=True,
            in_app_enabled=True,
            locale="id",
        )
        async with subscribed(port, token, partnership_id=node_id) as ws:
            await until_live(port, 1)
            committed = time.time()
            await call(
                port, token, ADVANCE,
                input={"id": node_id, "to": "EXPLORATION", "expectedVersion": p.version},
            )  # fmt: skip

            live = await receive(ws)
            assert live["type"] == "partnership.stage_advanced"
            assert live["partnership"] == {"id": node_id, "stage": "EXPLORATION"}

            [request] = await asyncio.to_thread(receiver.wait_for, 1, 30.0)
            body: dict[str, Any] = Webhook(secret).verify(request.body, request.headers)
            assert body["event_id"] == live["eventId"] == request.headers["webhook-id"]
            assert body["payload"]["to_stage"] == "exploration"

            [mail] = await mail_server.wait_for(1, 30.0)
            assert mail.rcpt_tos == ("kerjasama@bandung.go.id",)
            assert mail.message["X-Kembar-Event-Id"] == body["event_id"]
            assert "Bandung" in mail.message["Subject"]
            assert "Braunschweig" in mail.message["Subject"]
            assert "Penjajakan Awal" in mail.text()  # the new stage, in Indonesian

            # nothing arrives twice on any channel
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(ws.recv(), SETTLE)
            assert len(receiver.received) == 1
            assert len(mail_server.messages) == 1
            assert request.at - committed < 15

    rows = await Delivery.filter(subscriber_id=subscriber_id).order_by("channel")
    assert sorted(row.channel.value for row in rows) == ["email", "in_app", "webhook"]
    assert {row.status for row in rows} == {DeliveryStatus.DELIVERED}
    assert {str(row.event_id) for row in rows} == {body["event_id"]}
    assert (await Partnership.get(id=p.id)).stage is Stage.EXPLORATION
