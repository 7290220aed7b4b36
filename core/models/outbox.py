"""The transactional outbox: each domain event is a row written in the transaction causing it."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class OutboxEvent(Model):
    """An event envelope waiting for (or done with) the relay. ``seq`` gives the commit order."""

    seq = fields.BigIntField(primary_key=True)
    event_id = fields.UUIDField(unique=True)
    type = fields.CharField(max_length=64)
    version = fields.IntField()
    occurred_at = fields.DatetimeField()
    aggregate_type = fields.CharField(max_length=32)
    aggregate_id = fields.CharField(max_length=64, db_index=True)
    actor = fields.CharField(max_length=200)
    correlation_id = fields.CharField(max_length=64)
    payload: dict = fields.JSONField()  # type: ignore[assignment]
    sent_at = fields.DatetimeField(null=True, db_index=True)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(null=True)

    class Meta:
        table = "outbox_event"
