"""Signatures checked by an independent implementation: the ``standardwebhooks`` package."""

from __future__ import annotations

import base64
import time

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from core.webhooks import signing

BODY = b'{"event_id":"e1","payload":{"partnership_id":5},"type":"partnership.stage_advanced"}'


def test_signature_verifies_with_standardwebhooks() -> None:
    secret = signing.new_secret()
    assert len(secret) == 32
    now = int(time.time())
    headers = signing.headers(secret=secret, message_id="msg_1", timestamp=now, body=BODY)
    payload = Webhook(signing.shown(secret)).verify(BODY, headers)
    assert payload["payload"] == {"partnership_id": 5}
    assert headers["webhook-signature"].startswith("v1,")
    assert headers["webhook-id"] == "msg_1" and headers["webhook-timestamp"] == str(now)


def test_tampered_body_other_secret_or_old_timestamp_fail() -> None:
    secret = signing.new_secret()
    now = int(time.time())
    headers = signing.headers(secret=secret, message_id="msg_1", timestamp=now, body=BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.shown(secret)).verify(BODY.replace(b"5", b"6"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.shown(signing.new_secret())).verify(BODY, headers)
    old = signing.headers(secret=secret, message_id="msg_1", timestamp=now - 3600, body=BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.shown(secret)).verify(BODY, old)


def test_known_vector() -> None:
    # the example of the Standard Webhooks specification
    secret = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    body = b'{"test": 2432232314}'
    assert (
        signing.signature(secret=secret, message_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
                          timestamp=1614265330, body=body)
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )  # fmt: skip


def test_secret_round_trips_through_storage() -> None:
    secret = signing.new_secret()
    assert signing.decode(signing.encode(secret)) == secret
    assert signing.decode(signing.shown(secret)) == secret
    assert signing.shown(secret).startswith("whsec_")
