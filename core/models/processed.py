"""Which consumer has applied which event: the key that makes every actor idempotent."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class ProcessedEvent(Model):
    """An event a consumer has applied, written in the same transaction as the effect."""

    id = fields.BigIntField(primary_key=True)
    event_id = fields.UUIDField()
    consumer = fields.CharField(max_length=64)
    processed_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "processed_event"
        unique_together = (("event_id", "consumer"),)
