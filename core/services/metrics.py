"""Per-partnership metrics, kept by a worker: time in each stage, programs, activities,
participants in and out, budget, last activity. Recomputed from committed rows, never from deltas,
so the result does not depend on the order or number of the events that triggered it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise
from typing import Any

from tortoise.functions import Count, Max, Sum

from core import clock
from core.enums import Direction, ProgramStatus
from core.models import Activity, Partnership, PartnershipMetrics, Program, StageChange
from core.stages import LIVE_STATUSES

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Metrics:
    """What `partnership.metrics` shows. ``seconds_in_stage`` includes the current stay."""

    partnership_id: int
    seconds_in_stage: dict[str, float]
    current_stage: str | None
    programs: int
    activities: int
    participants_inbound: int
    participants_outbound: int
    budget_by_currency: dict[str, Decimal]
    last_activity_on: date | None
    computed_at: datetime


async def get_metrics(*, partnership_id: int) -> Metrics | None:
    """The partnership's metrics as last computed by the worker, or None before its first run."""
    row = await PartnershipMetrics.get_or_none(partnership_id=partnership_id)
    return _view(row) if row is not None else None


async def metrics_of_partnerships(keys: list[int]) -> list[Metrics | None]:
    """Batch form of :func:`get_metrics`, results in the order of ``keys`` (for a DataLoader)."""
    rows = {
        row.partnership_id: row
        for row in await PartnershipMetrics.filter(partnership_id__in=list(set(keys)))
    }
    return [_view(rows[key]) if key in rows else None for key in keys]


def _view(row: PartnershipMetrics) -> Metrics:
    seconds = {stage: float(value) for stage, value in row.seconds_in_stage.items()}
    if row.current_stage and row.current_stage_since:
        ongoing = max(0.0, (clock.now() - row.current_stage_since).total_seconds())
        seconds[row.current_stage] = seconds.get(row.current_stage, 0.0) + ongoing
    return Metrics(
        partnership_id=row.partnership_id,
        seconds_in_stage=seconds,
        current_stage=row.current_stage,
        programs=row.programs,
        activities=row.activities,
        participants_inbound=row.participants_inbound,
        participants_outbound=row.participants_outbound,
        budget_by_currency={k: Decimal(v) for k, v in row.budget_by_currency.items()},
        last_activity_on=row.last_activity_on,
        computed_at=row.computed_at,
    )


async def refresh(*, partnership_id: int) -> PartnershipMetrics | None:
    """Recompute and store one partnership's metrics. Run inside a transaction: it locks the
    partnership row so that two workers refreshing the same partnership take turns."""
    partnership = await Partnership.select_for_update().get_or_none(id=partnership_id)
    if partnership is None:
        return None
    changes = await StageChange.filter(partnership_id=partnership_id).order_by("id")
    seconds: dict[str, float] = defaultdict(float)
    for before, after in pairwise(changes):
        seconds[before.to_stage.value] += max(0.0, (after.at - before.at).total_seconds())
    live = partnership.status in LIVE_STATUSES
    values: dict[str, Any] = {
        "seconds_in_stage": dict(seconds),
        "current_stage": partnership.stage.value if live else None,
        "current_stage_since": (changes[-1].at if changes else partnership.stage_entered_at)
        if live
        else None,
        **await figures(partnership_id=partnership_id),
        "computed_at": clock.now(),
    }
    values["budget_by_currency"] = {k: str(v) for k, v in values["budget_by_currency"].items()}
    row = await PartnershipMetrics.get_or_none(partnership_id=partnership_id)
    if row is None:
        return await PartnershipMetrics.create(partnership_id=partnership_id, **values)
    await PartnershipMetrics.filter(id=row.id).update(**values)
    return await PartnershipMetrics.get(id=row.id)


async def figures(
    *, partnership_id: int, as_of: datetime | None = None, since: date | None = None
) -> dict[str, Any]:
    """Programs, activities, participants by direction, budget by currency (cancelled programs
    left out) and the last activity date; ``as_of`` keeps rows recorded up to then, ``since``
    keeps activities that happened on or after that date."""
    programs = Program.filter(partnership_id=partnership_id)
    activities = Activity.filter(program__partnership_id=partnership_id)
    if as_of is not None:
        programs = programs.filter(created_at__lte=as_of)
        activities = activities.filter(recorded_at__lte=as_of)
    if since is not None:
        activities = activities.filter(occurred_on__gte=since)
    by_direction = {
        row["direction"]: row
        for row in await activities.annotate(
            n=Count("id"), people=Sum("participants"), last=Max("occurred_on")
        )
        .group_by("direction")
        .values("direction", "n", "people", "last")
    }
    budgets = (
        await programs.filter(budget__isnull=False)
        .exclude(status=ProgramStatus.CANCELLED)
        .annotate(total=Sum("budget"))
        .group_by("currency")
        .values("currency", "total")
    )
    lasts = [_as_date(row["last"]) for row in by_direction.values() if row["last"]]
    return {
        "programs": await programs.count(),
        "activities": sum(int(row["n"]) for row in by_direction.values()),
        "participants_inbound": _people(by_direction, Direction.INBOUND),
        "participants_outbound": _people(by_direction, Direction.OUTBOUND),
        "budget_by_currency": {
            row["currency"]: Decimal(str(row["total"])).quantize(CENT) for row in budgets
        },
        "last_activity_on": max(lasts) if lasts else None,
    }


def _people(rows: dict[Any, dict[str, Any]], direction: Direction) -> int:
    for key, row in rows.items():
        if str(key) == direction.value or key == direction:
            return int(row["people"] or 0)
    return 0


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
