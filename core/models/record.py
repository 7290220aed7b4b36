"""Documents and approvals attached to a partnership; the stage guards read them."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.enums import ApprovalType, Decision, DocumentType
from core.models.partnership import Partnership


class Document(Model):
    id = fields.IntField(primary_key=True)
    partnership: fields.ForeignKeyRelation[Partnership] = fields.ForeignKeyField(
        "kembar.Partnership", related_name="documents", on_delete=fields.CASCADE
    )
    partnership_id: int
    type = fields.CharEnumField(DocumentType, max_length=32)
    number = fields.CharField(max_length=200, default="")
    issued_on = fields.DateField(null=True)
    issuer = fields.CharField(max_length=200, default="")
    url = fields.CharField(max_length=2000, default="")
    valid_from = fields.DateField(null=True)  # agreements only
    valid_until = fields.DateField(null=True)  # agreements only
    round = fields.IntField()  # the partnership's agreement round when recorded
    stage_seq = fields.IntField()  # the partnership's transition_seq when recorded
    recorded_at = fields.DatetimeField(auto_now_add=True)
    recorded_by = fields.CharField(max_length=200)

    class Meta:
        table = "document"


class Approval(Model):
    id = fields.IntField(primary_key=True)
    partnership: fields.ForeignKeyRelation[Partnership] = fields.ForeignKeyField(
        "kembar.Partnership", related_name="approvals", on_delete=fields.CASCADE
    )
    partnership_id: int
    type = fields.CharEnumField(ApprovalType, max_length=32)
    decision = fields.CharEnumField(Decision, max_length=16)
    reference = fields.CharField(max_length=200, default="")
    decided_on = fields.DateField(null=True)
    note = fields.TextField(default="")
    round = fields.IntField()
    recorded_at = fields.DatetimeField(auto_now_add=True)
    recorded_by = fields.CharField(max_length=200)

    class Meta:
        table = "approval"
