"""An in-memory index of regions by country and name key, to match place names from lists.

Names are not unique (two Gwangju in South Korea), so a match picks: the candidate nearest to the
coordinates the list gives, else the most populous one.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from core.enums import RegionLevel
from core.importers.names import key
from core.models import City

NEAR_KM = 75  # a candidate this close to the coordinates a list gives is the place it means

PROVINCE_LEVELS = frozenset({RegionLevel.PROVINCE})
LOCAL_LEVELS = frozenset({RegionLevel.CITY, RegionLevel.REGENCY, RegionLevel.COUNTY})


@dataclass(frozen=True, slots=True)
class Region:
    id: int
    name: str
    level: RegionLevel
    country: str
    parent_id: int | None
    population: int | None
    latitude: float | None
    longitude: float | None


class Gazetteer:
    def __init__(self, regions: Iterable[tuple[Region, Iterable[str]]] = ()) -> None:
        self._by_key: dict[tuple[str, str], list[Region]] = defaultdict(list)
        for region, names in regions:
            self.add(region, names)

    @classmethod
    async def load(cls, countries: Collection[str]) -> Gazetteer:
        """Every region of these countries."""
        rows = await City.filter(country_id__in=list(countries)).values_list(
            "id", "name", "level", "country_id", "parent_id", "population", "latitude",
            "longitude", "alternate_names",
        )  # fmt: skip
        return cls(
            (Region(*row[:8]), [row[1], *(row[8] or [])])  # type: ignore[misc]
            for row in rows
        )

    def add(self, region: Region, names: Iterable[str]) -> None:
        for name_key in {key(name) for name in names}:
            self._by_key[(region.country, name_key)].append(region)

    def find(
        self,
        name: str,
        country: str,
        levels: Collection[RegionLevel],
        parent_id: int | None = None,
    ) -> list[Region]:
        found = self._by_key.get((country, key(name)), [])
        return [
            r
            for r in found
            if r.level in levels and (parent_id is None or r.parent_id == parent_id)
        ]


def pick(
    candidates: list[Region], latitude: float | None, longitude: float | None
) -> Region | None:
    """The candidate within NEAR_KM of the coordinates when there is one, else the most populous.

    Coordinates only choose between candidates; they never reject all of them: the geocoding of
    scraped lists is sometimes wrong (Kupang's partner Palmerston, near Darwin, is placed in the
    ACT), and a wrong geocode must not make a duplicate city.
    """
    if not candidates:
        return None
    if latitude is not None and longitude is not None:
        placed = [c for c in candidates if c.latitude is not None and c.longitude is not None]
        if placed:
            nearest = min(placed, key=lambda c: _km(c, latitude, longitude))
            if _km(nearest, latitude, longitude) <= NEAR_KM:
                return nearest
    return _most_populous(candidates)


def _most_populous(candidates: list[Region]) -> Region:
    return max(candidates, key=lambda c: (c.population or 0, -c.id))


def _km(region: Region, latitude: float, longitude: float) -> float:
    assert region.latitude is not None and region.longitude is not None
    lat1, lat2 = math.radians(region.latitude), math.radians(latitude)
    dlat = lat2 - lat1
    dlng = math.radians(longitude - region.longitude)
    a = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlng / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(a))
