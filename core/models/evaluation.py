"""What the workers keep about each partnership: running metrics and evaluation records."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from core.models.partnership import Partnership


class Recommendation(StrEnum):
    """What an evaluation recommends for the partnership (DOMAIN.md, stage 5)."""

    CONTINUE = "continue"
    REVISE = "revise"
    RENEW = "renew"
    TERMINATE = "terminate"


class PartnershipMetrics(Model):
    """Per-partnership figures, recomputed by a worker from the database after each event."""

    id = fields.IntField(primary_key=True)
    partnership: fields.OneToOneRelation[Partnership] = fields.OneToOneField(
        "kembar.Partnership", related_name="metrics", on_delete=fields.CASCADE
    )
    partnership_id: int
    # seconds spent in each stage over finished stays; the current stay is added when read
    seconds_in_stage: dict = fields.JSONField(default=dict)  # type: ignore[assignment]
    current_stage = fields.CharField(max_length=24, null=True)  # None once the partnership ended
    current_stage_since = fields.DatetimeField(null=True)
    programs = fields.IntField(default=0)
    activities = fields.IntField(default=0)
    participants_inbound = fields.IntField(default=0)
    participants_outbound = fields.IntField(default=0)
    budget_by_currency: dict = fields.JSONField(default=dict)  # type: ignore[assignment]
    last_activity_on = fields.DateField(null=True)
    computed_at = fields.DatetimeField()

    class Meta:
        table = "partnership_metrics"


class Evaluation(Model):
    """One stay in evaluation and monitoring: opened on entry, closed on leaving."""

    id = fields.IntField(primary_key=True)
    partnership: fields.ForeignKeyRelation[Partnership] = fields.ForeignKeyField(
        "kembar.Partnership", related_name="evaluations", on_delete=fields.CASCADE
    )
    partnership_id: int
    round = fields.IntField()
    opened_change_id = fields.IntField(unique=True)  # the stage_change row that entered evaluation
    opened_at = fields.DatetimeField()
    period_start = fields.DateField()  # the stretch of implementation being evaluated
    period_end = fields.DateField()
    kpi: dict = fields.JSONField(default=dict)  # type: ignore[assignment]
    closed_change_id = fields.IntField(null=True)
    closed_at = fields.DatetimeField(null=True)
    outcome = fields.CharField(max_length=24, null=True)  # stage or status it left for
    recommendation = fields.CharEnumField(Recommendation, max_length=16, null=True)
    recommended_by = fields.CharField(max_length=200, null=True)  # an officer, or "default"
    findings = fields.TextField(default="")
    score = fields.IntField(null=True)  # 0..100
    filled_by = fields.CharField(max_length=200, null=True)
    filled_at = fields.DatetimeField(null=True)
    version = fields.IntField(default=1)

    class Meta:
        table = "evaluation"
