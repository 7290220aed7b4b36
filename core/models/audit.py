"""The audit log: one row per change, written in the transaction that made it."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    """Who changed what, when, with the entity's state before and after (secrets left out)."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(db_index=True)
    actor = fields.CharField(max_length=200, db_index=True)
    action = fields.CharField(max_length=64)
    entity_type = fields.CharField(max_length=32)
    entity_id = fields.CharField(max_length=64)
    before: dict | None = fields.JSONField(null=True)  # type: ignore[assignment]
    after: dict | None = fields.JSONField(null=True)  # type: ignore[assignment]
    correlation_id = fields.CharField(max_length=64)

    class Meta:
        table = "audit_entry"
        indexes = (("entity_type", "entity_id"),)
