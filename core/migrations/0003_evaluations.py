from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from core.models.evaluation import Recommendation
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("kembar", "0002_live_pair_unique")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Evaluation",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "partnership",
                    fields.ForeignKeyField(
                        "kembar.Partnership",
                        source_field="partnership_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="evaluations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("round", fields.IntField()),
                ("opened_change_id", fields.IntField(unique=True)),
                ("opened_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("period_start", fields.DateField()),
                ("period_end", fields.DateField()),
                (
                    "kpi",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("closed_change_id", fields.IntField(null=True)),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("outcome", fields.CharField(null=True, max_length=24)),
                (
                    "recommendation",
                    fields.CharEnumField(
                        null=True,
                        description="CONTINUE: continue\nREVISE: revise\nRENEW: renew\nTERMINATE: terminate",
                        enum_type=Recommendation,
                        max_length=16,
                    ),
                ),
                ("recommended_by", fields.CharField(null=True, max_length=200)),
                ("findings", fields.TextField(default="", unique=False)),
                ("score", fields.IntField(null=True)),
                ("filled_by", fields.CharField(null=True, max_length=200)),
                ("filled_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("version", fields.IntField(default=1)),
            ],
            options={
                "table": "evaluation",
                "app": "kembar",
                "pk_attr": "id",
                "table_description": "One stay in evaluation and monitoring: opened on entry, closed on leaving.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PartnershipMetrics",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "partnership",
                    fields.OneToOneField(
                        "kembar.Partnership",
                        source_field="partnership_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="metrics",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "seconds_in_stage",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("current_stage", fields.CharField(null=True, max_length=24)),
                (
                    "current_stage_since",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("programs", fields.IntField(default=0)),
                ("activities", fields.IntField(default=0)),
                ("participants_inbound", fields.IntField(default=0)),
                ("participants_outbound", fields.IntField(default=0)),
                (
                    "budget_by_currency",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("last_activity_on", fields.DateField(null=True)),
                ("computed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "partnership_metrics",
                "app": "kembar",
                "pk_attr": "id",
                "table_description": "Per-partnership figures, recomputed by a worker from the database after each event.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ProcessedEvent",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("event_id", fields.UUIDField()),
                ("consumer", fields.CharField(max_length=64)),
                (
                    "processed_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "processed_event",
                "app": "kembar",
                "unique_together": (("event_id", "consumer"),),
                "pk_attr": "id",
                "table_description": "An event a consumer has applied, written in the same transaction as the effect.",
            },
            bases=["Model"],
        ),
    ]
