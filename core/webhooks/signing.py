"""Standard Webhooks signatures: ``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> bytes:
    """A fresh signing secret (32 random bytes)."""
    return secrets.token_bytes(32)


def encode(secret: bytes) -> str:
    """How the secret is stored (base64)."""
    return base64.b64encode(secret).decode()


def decode(stored: str) -> bytes:
    return base64.b64decode(stored.removeprefix(PREFIX))


def shown(secret: bytes) -> str:
    """The secret as shown to its owner once: ``whsec_`` + base64, what receivers configure."""
    return PREFIX + encode(secret)


def signature(*, secret: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for this message."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(*, secret: bytes, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers (plus the JSON content type)."""
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(
            secret=secret, message_id=message_id, timestamp=timestamp, body=body
        ),
    }
