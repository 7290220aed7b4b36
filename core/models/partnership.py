"""The partnership aggregate: the pair of regions, its stage and status, areas and stage history."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.enums import Area, PartnershipKind
from core.models.geo import City
from core.stages import Action, Stage, Status


class Partnership(Model):
    id = fields.IntField(primary_key=True)
    indonesian_region: fields.ForeignKeyRelation[City] = fields.ForeignKeyField(
        "kembar.City", related_name="partnerships_as_indonesian", on_delete=fields.RESTRICT
    )
    indonesian_region_id: int
    foreign_region: fields.ForeignKeyRelation[City] = fields.ForeignKeyField(
        "kembar.City", related_name="partnerships_as_foreign", on_delete=fields.RESTRICT
    )
    foreign_region_id: int
    kind = fields.CharEnumField(PartnershipKind, max_length=24)
    stage = fields.CharEnumField(Stage, max_length=24, db_index=True)
    status = fields.CharEnumField(Status, max_length=24, db_index=True)
    description = fields.TextField(default="")
    round = fields.IntField(default=1)  # agreement round; +1 when a renewal negotiation starts
    renewal_count = fields.IntField(default=0)  # renewals signed
    transition_seq = fields.IntField(default=0)  # number of stage history rows
    stage_entered_at = fields.DatetimeField()
    signed_on = fields.DateField(null=True)
    valid_from = fields.DateField(null=True)
    valid_until = fields.DateField(null=True)
    established_on = fields.DateField(null=True)  # historical date, when known from records
    # set by the watch when an active partnership has had no activity for the dormancy period
    dormant_since = fields.DatetimeField(null=True)
    version = fields.IntField(default=1)  # optimistic concurrency
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "partnership"


class PartnershipArea(Model):
    id = fields.IntField(primary_key=True)
    partnership: fields.ForeignKeyRelation[Partnership] = fields.ForeignKeyField(
        "kembar.Partnership", related_name="area_links", on_delete=fields.CASCADE
    )
    partnership_id: int
    area = fields.CharEnumField(Area, max_length=32, db_index=True)

    class Meta:
        table = "partnership_area"
        unique_together = (("partnership", "area"),)


class StageChange(Model):
    """One row per stage or status change: from, to, when, by whom, why."""

    id = fields.IntField(primary_key=True)
    partnership: fields.ForeignKeyRelation[Partnership] = fields.ForeignKeyField(
        "kembar.Partnership", related_name="history", on_delete=fields.CASCADE
    )
    partnership_id: int
    action = fields.CharEnumField(Action, max_length=16)
    from_stage = fields.CharEnumField(Stage, max_length=24, null=True)
    to_stage = fields.CharEnumField(Stage, max_length=24)
    from_status = fields.CharEnumField(Status, max_length=24, null=True)
    to_status = fields.CharEnumField(Status, max_length=24)
    at = fields.DatetimeField()
    actor = fields.CharField(max_length=200)
    reason = fields.TextField(default="")

    class Meta:
        table = "stage_change"
