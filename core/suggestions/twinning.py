"""Twinnings between two foreign cities, from the worldwide list (``KEMBAR_TWINNING_FILE``).

``kembar import-pairs`` keeps only the pairs with an Indonesian side (as partnerships); the
network factor also needs the others ("twinned with a partner of yours"), so they are read here,
in memory, and matched to cities the way the importer matches them (name and country, the
nearest to the list's coordinates, else the most populous). Nothing is created: a place that is
not a city yet is left out.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from core.enums import RegionLevel
from core.importers.gazetteer import Gazetteer, Region, pick
from core.importers.pair_records import INDONESIA, Place, iter_pairs
from core.models import City

_LEVELS = frozenset(RegionLevel)


async def links(path: str | None, position: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(from, to) city positions of every foreign-foreign twinning, in both directions."""
    if not path or not _readable(path):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    rows = await City.exclude(country_id=INDONESIA).values_list(
        "id", "name", "level", "country_id", "parent_id", "population", "latitude",
        "longitude", "alternate_names",
    )  # fmt: skip
    # Reading and matching ~26,000 rows takes seconds of CPU: off the event loop.
    return await asyncio.to_thread(_match, path, rows, position)


def _match(path: str, rows: list[tuple], position: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    gazetteer = Gazetteer(
        (Region(*row[:8]), [row[1], *(row[8] or [])])  # type: ignore[misc]
        for row in rows
    )
    pairs: set[tuple[int, int]] = set()
    for record in iter_pairs(path):
        first, second = _find(record.first, gazetteer), _find(record.second, gazetteer)
        ends = position.get(first or 0), position.get(second or 0)
        if ends[0] is not None and ends[1] is not None and ends[0] != ends[1]:
            pairs.add((ends[0], ends[1]))
    ends = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    return np.concatenate([ends[:, 0], ends[:, 1]]), np.concatenate([ends[:, 1], ends[:, 0]])


def _find(place: Place, gazetteer: Gazetteer) -> int | None:
    if place.country_code is None or place.country_code == INDONESIA:
        return None
    found = pick(gazetteer.find(place.name, place.country_code, _LEVELS), place.latitude,
                 place.longitude)  # fmt: skip
    return None if found is None else found.id


def _readable(path: str) -> bool:
    return Path(path).is_file()
