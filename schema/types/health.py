"""A partnership's health score and its components (see core.health)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from core import clock
from core.health import Health, HealthFacts, assess
from core.services.signals import last_activity
from core.settings import get_settings
from schema.context import Info


@strawberry.type(description="One part of the health score, with what to do about it")
class HealthComponent:
    name: str = strawberry.field(
        description="activity_recency, programs, participants, evaluation or stage_time"
    )
    score: int = strawberry.field(description="0 to 100")
    weight: int = strawberry.field(description="Its share of the total (weights are relative)")
    detail: str = strawberry.field(description="What it found and how to improve it (English)")
    detail_id: str = strawberry.field(description="The same in Indonesian")


@strawberry.type(description="How alive a partnership is, 0 to 100, from its components")
class PartnershipHealth:
    score: int
    components: list[HealthComponent]

    @classmethod
    def from_health(cls, health: Health) -> PartnershipHealth:
        return cls(
            score=health.score,
            components=[
                HealthComponent(
                    name=c.name,
                    score=c.score,
                    weight=c.weight,
                    detail=c.detail,
                    detail_id=c.detail_id,
                )
                for c in health.components
            ],
        )


async def health_of(
    info: Info, *, partnership_id: int, stage: Any, status: Any, stage_entered_at: datetime
) -> PartnershipHealth | None:
    """The partnership's health now (None once it is closed), through the per-request loader."""
    signal = await info.context.loaders.signals_by_partnership.load(partnership_id)
    facts = HealthFacts(
        stage=stage,
        status=status,
        stage_entered_at=stage_entered_at,
        last_activity_at=last_activity(signal, stage_entered_at),
        programs=signal.programs,
        participants_recent=signal.participants_recent,
        evaluation_score=signal.evaluation_score,
        evaluation_recommendation=signal.evaluation_recommendation,
    )
    health = assess(facts, now=clock.now(), dormancy_months=get_settings().dormancy_months)
    return PartnershipHealth.from_health(health) if health is not None else None
