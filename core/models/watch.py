"""What the dormancy and expiry watch remembers: the expiry reminders it has sent."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.models.partnership import Partnership


class ExpiryReminder(Model):
    """One reminder sent for one agreement term (a renewal's new end date gets its own)."""

    id = fields.IntField(primary_key=True)
    partnership: fields.ForeignKeyRelation[Partnership] = fields.ForeignKeyField(
        "kembar.Partnership", related_name="expiry_reminders", on_delete=fields.CASCADE
    )
    partnership_id: int
    valid_until = fields.DateField()  # the end date of the term it reminded about
    months_before = fields.SmallIntField()  # 6 or 1
    sent_at = fields.DatetimeField()

    class Meta:
        table = "expiry_reminder"
        unique_together = (("partnership", "valid_until", "months_before"),)
