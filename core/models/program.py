"""Programs run under a partnership, and their activities."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.enums import Area, Direction, FundingSource, ProgramStatus, ProgramType
from core.models.partnership import Partnership


class Program(Model):
    id = fields.IntField(primary_key=True)
    partnership: fields.ForeignKeyRelation[Partnership] = fields.ForeignKeyField(
        "kembar.Partnership", related_name="programs", on_delete=fields.RESTRICT
    )
    partnership_id: int
    title = fields.CharField(max_length=300)
    description = fields.TextField(default="")
    area = fields.CharEnumField(Area, max_length=32, db_index=True)
    type = fields.CharEnumField(ProgramType, max_length=32)
    status = fields.CharEnumField(ProgramStatus, max_length=16, db_index=True)
    starts_on = fields.DateField(null=True)
    ends_on = fields.DateField(null=True)
    budget = fields.DecimalField(max_digits=18, decimal_places=2, null=True)
    currency = fields.CharField(max_length=3, default="IDR")
    funding_source = fields.CharEnumField(FundingSource, max_length=16, null=True)
    lead_agency = fields.CharField(max_length=200, default="")  # OPD
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "program"


class Activity(Model):
    id = fields.IntField(primary_key=True)
    program: fields.ForeignKeyRelation[Program] = fields.ForeignKeyField(
        "kembar.Program", related_name="activities", on_delete=fields.CASCADE
    )
    program_id: int
    occurred_on = fields.DateField()
    direction = fields.CharEnumField(Direction, max_length=16)
    participants = fields.IntField(default=0)
    description = fields.TextField(default="")
    recorded_at = fields.DatetimeField(auto_now_add=True)
    recorded_by = fields.CharField(max_length=200)

    class Meta:
        table = "activity"
