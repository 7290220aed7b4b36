"""Portfolio statistics for one region (with every region inside it) or the whole country: a
fixed number of grouped queries, whatever the number of partnerships, programs or activities."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pypika_tortoise import functions as sql
from pypika_tortoise.enums import DatePart
from pypika_tortoise.terms import Function as SqlFunction
from pypika_tortoise.terms import Term, ValueWrapper
from tortoise import connections
from tortoise.expressions import Function, Q, Subquery
from tortoise.functions import Count, Sum
from tortoise.queryset import QuerySet

from core.enums import Direction, ProgramStatus
from core.errors import DomainError, ErrorCode
from core.models import Activity, City, Partnership, PartnershipArea, Program
from core.months import shift_months
from core.stages import Status

CENT = Decimal("0.01")
EXPIRING_MONTHS = 6


class _Year(Function):
    """The year of a date column (a number, or its digits on SQLite): EXTRACT on PostgreSQL,
    strftime on SQLite; never cut out of the date's text, which follows PostgreSQL's DateStyle."""

    def _get_function_field(self, field: Term | str, *default_values: Any) -> Any:
        if connections.get("default").capabilities.dialect == "sqlite":
            return SqlFunction("strftime", ValueWrapper("%Y"), field)
        return sql.Extract(DatePart.year, field)


@dataclass(frozen=True, slots=True)
class ProgramTotals:
    """Programs (cancelled ones left out) and their budgets by currency, for one key."""

    key: str | None  # an area, or a funding source (None: not given)
    programs: int
    budget: dict[str, Decimal]


@dataclass(frozen=True, slots=True)
class YearParticipants:
    year: int
    activities: int
    inbound: int
    outbound: int


@dataclass(frozen=True, slots=True)
class CountryCount:
    code: str
    name: str
    partnerships: int


@dataclass(slots=True)
class Statistics:
    """What ``portfolioStatistics`` shows; every list is sorted by its key."""

    region_id: int | None
    as_of: date
    partnerships: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    by_country: list[CountryCount] = field(default_factory=list)
    by_area: dict[str, int] = field(default_factory=dict)
    by_signed_year: dict[int, int] = field(default_factory=dict)
    programs: int = 0
    programs_by_area: list[ProgramTotals] = field(default_factory=list)
    programs_by_funding_source: list[ProgramTotals] = field(default_factory=list)
    participants_by_year: list[YearParticipants] = field(default_factory=list)
    dormant: int = 0
    expiring_within_6_months: int = 0


async def portfolio(
    *, region_id: int | None, today: date, statuses: frozenset[Status] | None = None
) -> Statistics:
    """Statistics of the partnerships of ``region_id`` and every region inside it (either side),
    or of every partnership; ``statuses`` limits them to what the caller may read."""
    base = Partnership.all()
    if statuses is not None:
        base = base.filter(status__in=sorted(statuses))
    if region_id is not None:
        regions = await _region_and_inside(region_id)
        base = base.filter(Q(indonesian_region_id__in=regions) | Q(foreign_region_id__in=regions))
    stats = Statistics(region_id=region_id, as_of=today)
    by_stage: dict[str, int] = defaultdict(int)
    by_status: dict[str, int] = defaultdict(int)
    for row in await _grouped(base, ("stage", "status"), n=Count("id")):
        by_stage[_key(row["stage"])] += row["n"]
        by_status[_key(row["status"])] += row["n"]
        stats.partnerships += row["n"]
    stats.by_stage = dict(sorted(by_stage.items()))
    stats.by_status = dict(sorted(by_status.items()))
    country = ("foreign_region__country_id", "foreign_region__country__name")
    stats.by_country = sorted(
        (
            CountryCount(code=row[country[0]], name=row[country[1]], partnerships=row["n"])
            for row in await _grouped(base, country, n=Count("id"))
        ),
        key=lambda c: (-c.partnerships, c.code),
    )
    # every partnership counts (an admin's whole country): no need to join the list of ids
    everything = statuses is None and region_id is None
    ids = Subquery(base.values("id"))
    areas = PartnershipArea.all() if everything else PartnershipArea.filter(partnership_id__in=ids)
    stats.by_area = {
        _key(row["area"]): row["n"]
        for row in sorted(await _grouped(areas, ("area",), n=Count("id")), key=_by("area"))
    }
    signed = base.filter(signed_on__isnull=False).annotate(year=_Year("signed_on"))
    stats.by_signed_year = {
        int(row["year"]): row["n"]
        for row in sorted(await _grouped(signed, ("year",), n=Count("id")), key=_by("year"))
    }
    await _programs(stats, Program.all() if everything else Program.filter(partnership_id__in=ids))
    activities = (
        Activity.all() if everything else Activity.filter(program__partnership_id__in=ids)
    ).annotate(year=_Year("occurred_on"))
    years: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in await _grouped(
        activities, ("year", "direction"), n=Count("id"), people=Sum("participants")
    ):
        year = years[int(row["year"])]
        year["activities"] += row["n"]
        year[_key(row["direction"])] += int(row["people"] or 0)
    stats.participants_by_year = [
        YearParticipants(
            year=year,
            activities=counts["activities"],
            inbound=counts[Direction.INBOUND.value],
            outbound=counts[Direction.OUTBOUND.value],
        )
        for year, counts in sorted(years.items())
    ]
    active = base.filter(status=Status.ACTIVE)
    stats.dormant = await active.filter(dormant_since__isnull=False).count()
    stats.expiring_within_6_months = await active.filter(
        valid_until__gte=today, valid_until__lte=shift_months(today, EXPIRING_MONTHS)
    ).count()
    return stats


async def _programs(stats: Statistics, programs: QuerySet[Program]) -> None:
    """Programs and budgets by area and by funding source, from one query grouped by both."""
    areas: dict[str, list[Any]] = defaultdict(lambda: [0, defaultdict(Decimal)])
    sources: dict[str | None, list[Any]] = defaultdict(lambda: [0, defaultdict(Decimal)])
    rows = await _grouped(
        programs.exclude(status=ProgramStatus.CANCELLED),
        ("area", "funding_source", "currency"),
        n=Count("id"),
        total=Sum("budget"),
    )
    for row in rows:
        source = _key(row["funding_source"]) if row["funding_source"] is not None else None
        for bucket in (areas[_key(row["area"])], sources[source]):
            bucket[0] += row["n"]
            if row["total"] is not None:
                bucket[1][row["currency"]] += Decimal(str(row["total"]))
        stats.programs += row["n"]
    stats.programs_by_area = [_totals(key, v) for key, v in sorted(areas.items())]
    stats.programs_by_funding_source = [
        _totals(key, v) for key, v in sorted(sources.items(), key=lambda kv: kv[0] or "~")
    ]


def _totals(key: str | None, value: list[Any]) -> ProgramTotals:
    budget = {c: amount.quantize(CENT) for c, amount in sorted(value[1].items())}
    return ProgramTotals(key=key, programs=value[0], budget=budget)


async def _grouped(query: QuerySet[Any], keys: tuple[str, ...], **figures: Any) -> list[dict]:
    return await query.annotate(**figures).group_by(*keys).values(*keys, *figures)


async def _region_and_inside(region_id: int) -> list[int]:
    """The region and every region inside it, level by level (one query per level)."""
    if not await City.filter(id=region_id).exists():
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such region", "regionId")
    found = {region_id}
    frontier = [region_id]
    while frontier:
        children = await City.filter(parent_id__in=frontier).values_list("id", flat=True)
        frontier = [child for child in children if child not in found]
        found.update(frontier)
    return sorted(found)


def _key(value: object) -> str:
    return str(getattr(value, "value", value))


def _by(name: str) -> Any:
    return lambda row: _key(row[name])
