"""Batch lookups for per-request DataLoaders: one query per call, results in the order of keys."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TypeVar

from tortoise.expressions import Q
from tortoise.models import Model

from core.enums import Area
from core.models import (
    Activity,
    Approval,
    City,
    Country,
    Document,
    Evaluation,
    Partnership,
    PartnershipArea,
    Program,
    StageChange,
)

M = TypeVar("M", bound=Model)


async def _by_pk(model: type[M], keys: Sequence[object]) -> list[M | None]:
    rows = {row.pk: row for row in await model.filter(pk__in=list(set(keys)))}
    return [rows.get(key) for key in keys]


def _grouped(rows: Iterable[M], attr: str, keys: Sequence[int]) -> list[list[M]]:
    groups: dict[int, list[M]] = defaultdict(list)
    for row in rows:
        groups[getattr(row, attr)].append(row)
    return [groups.get(key, []) for key in keys]


async def cities(keys: Sequence[int]) -> list[City | None]:
    return await _by_pk(City, keys)


async def countries(keys: Sequence[str]) -> list[Country | None]:
    return await _by_pk(Country, keys)


async def partnerships(keys: Sequence[int]) -> list[Partnership | None]:
    return await _by_pk(Partnership, keys)


async def programs(keys: Sequence[int]) -> list[Program | None]:
    return await _by_pk(Program, keys)


async def evaluations(keys: Sequence[int]) -> list[Evaluation | None]:
    return await _by_pk(Evaluation, keys)


async def partnerships_of_regions(keys: Sequence[int]) -> list[list[Partnership]]:
    ids = list(set(keys))
    rows = await Partnership.filter(
        Q(indonesian_region_id__in=ids) | Q(foreign_region_id__in=ids)
    ).order_by("id")
    groups: dict[int, list[Partnership]] = defaultdict(list)
    for row in rows:
        groups[row.indonesian_region_id].append(row)
        groups[row.foreign_region_id].append(row)
    return [groups.get(key, []) for key in keys]


async def areas_of_partnerships(keys: Sequence[int]) -> list[list[Area]]:
    rows = await PartnershipArea.filter(partnership_id__in=list(set(keys))).order_by("area")
    return [[link.area for link in group] for group in _grouped(rows, "partnership_id", keys)]


async def programs_of_partnerships(keys: Sequence[int]) -> list[list[Program]]:
    rows = await Program.filter(partnership_id__in=list(set(keys))).order_by("id")
    return _grouped(rows, "partnership_id", keys)


async def documents_of_partnerships(keys: Sequence[int]) -> list[list[Document]]:
    rows = await Document.filter(partnership_id__in=list(set(keys))).order_by("id")
    return _grouped(rows, "partnership_id", keys)


async def approvals_of_partnerships(keys: Sequence[int]) -> list[list[Approval]]:
    rows = await Approval.filter(partnership_id__in=list(set(keys))).order_by("id")
    return _grouped(rows, "partnership_id", keys)


async def history_of_partnerships(keys: Sequence[int]) -> list[list[StageChange]]:
    rows = await StageChange.filter(partnership_id__in=list(set(keys))).order_by("id")
    return _grouped(rows, "partnership_id", keys)


async def activities_of_programs(keys: Sequence[int]) -> list[list[Activity]]:
    rows = await Activity.filter(program_id__in=list(set(keys))).order_by("occurred_on", "id")
    return _grouped(rows, "program_id", keys)
