"""What the workers keep about a partnership: running metrics and evaluation records."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from core import policy
from core.models.evaluation import Recommendation as DomainRecommendation
from schema.context import Info
from schema.enums import Stage
from schema.ids import load_nodes

Recommendation = strawberry.enum(DomainRecommendation, name="Recommendation")


@strawberry.type
class StageTime:
    stage: Stage
    seconds: float


@strawberry.type
class Money:
    currency: str
    amount: Decimal


@strawberry.type(description="Figures kept by the workers; null until they first ran")
class PartnershipMetrics:
    time_in_stage: list[StageTime] = strawberry.field(
        description="Seconds spent in each stage, the current stay included"
    )
    programs: int
    activities: int
    participants_inbound: int
    participants_outbound: int
    budget: list[Money] = strawberry.field(description="Programs' budgets, by currency")
    last_activity_on: date | None
    computed_at: datetime

    @classmethod
    def from_view(cls, view: Any) -> PartnershipMetrics:
        return cls(
            time_in_stage=[
                StageTime(stage=stage, seconds=seconds)
                for stage, seconds in sorted(view.seconds_in_stage.items())
            ],
            programs=view.programs,
            activities=view.activities,
            participants_inbound=view.participants_inbound,
            participants_outbound=view.participants_outbound,
            budget=[
                Money(currency=currency, amount=amount)
                for currency, amount in sorted(view.budget_by_currency.items())
            ],
            last_activity_on=view.last_activity_on,
            computed_at=view.computed_at,
        )


@strawberry.type(description="One stay in evaluation and monitoring, opened on entry")
class Evaluation(relay.Node):
    id: relay.NodeID[int]
    round: int
    opened_at: datetime
    period_start: date
    period_end: date
    kpi: JSON = strawberry.field(description="The figures at opening (a KPI snapshot)")
    closed_at: datetime | None
    outcome: str | None = strawberry.field(description="The stage or status it left for")
    recommendation: Recommendation | None
    recommended_by: str | None
    findings: str
    score: int | None = strawberry.field(description="0 to 100")
    filled_by: str | None
    filled_at: datetime | None
    version: int

    @classmethod
    def from_model(cls, row: Any) -> Evaluation:
        return cls(
            id=row.id,
            round=row.round,
            opened_at=row.opened_at,
            period_start=row.period_start,
            period_end=row.period_end,
            kpi=row.kpi,
            closed_at=row.closed_at,
            outcome=row.outcome,
            recommendation=row.recommendation,
            recommended_by=row.recommended_by,
            findings=row.findings,
            score=row.score,
            filled_by=row.filled_by,
            filled_at=row.filled_at,
            version=row.version,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Evaluation | None]:
        ids = list(node_ids)
        if not policy.can_read_internal(info.context.principal):
            return [None for _ in ids]  # evaluations are internal records
        rows = await load_nodes(info.context.loaders.evaluation_by_id, ids)
        return [cls.from_model(row) if row else None for row in rows]
