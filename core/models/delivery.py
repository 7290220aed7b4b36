"""Deliveries: one row per (event, subscriber, channel), the exactly-once key, and its attempts."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from core.models.subscriber import Subscriber


class Channel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"
    IN_APP = "in_app"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # to be sent (now, or at next_attempt_at)
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up after the last retry
    REFUSED = "refused"  # the address is not one Kembar may send to (SSRF guard)
    SKIPPED = "skipped"  # the channel was disabled before it was sent


class Delivery(Model):
    """One event to one subscriber on one channel. UNIQUE(event_id, subscriber, channel)."""

    id = fields.BigIntField(primary_key=True)
    event_id = fields.UUIDField()
    event_type = fields.CharField(max_length=64)
    subscriber: fields.ForeignKeyRelation[Subscriber] = fields.ForeignKeyField(
        "kembar.Subscriber", related_name="deliveries", on_delete=fields.CASCADE
    )
    subscriber_id: int
    channel = fields.CharEnumField(Channel, max_length=8)
    status = fields.CharEnumField(DeliveryStatus, max_length=12, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)  # due time (a lease while being sent)
    enqueued_at = fields.DatetimeField(null=True)  # None: no message for it yet (sweep sends one)
    delivered_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    envelope: dict = fields.JSONField()  # type: ignore[assignment]  # the event as sent
    correlation_id = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "delivery"
        unique_together = (("event_id", "subscriber", "channel"),)


class DeliveryAttempt(Model):
    """One try of a delivery: when, the HTTP status (if any), how long, what went wrong."""

    id = fields.BigIntField(primary_key=True)
    delivery: fields.ForeignKeyRelation[Delivery] = fields.ForeignKeyField(
        "kembar.Delivery", related_name="attempt_rows", on_delete=fields.CASCADE
    )
    delivery_id: int
    attempted_at = fields.DatetimeField()
    status_code = fields.IntField(null=True)
    duration_ms = fields.IntField(default=0)
    error = fields.TextField(null=True)
    correlation_id = fields.CharField(max_length=64, default="")

    class Meta:
        table = "delivery_attempt"
