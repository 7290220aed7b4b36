"""Every city and twinning link as arrays, built once per process and rebuilt when they change.

Whether they changed is asked of the database on each use, with one statement that reads only
indexes and the (small) partnership tables: the highest city id (imports and new cities), the
latest audit entry about a city (``cities.create_city`` and ``update_city`` write one; the
latter leaves ``updated_at`` as it was), and the partnerships' count, highest id, sum of
versions and latest change, and their areas. So every API process sees a city import, a new
partnership or an edited city without being told. Counting or scanning the 34,000 cities on
every request cost ~30 ms on PostgreSQL; cities are never deleted, so the highest id suffices.
A change made by hand in SQL, bypassing the services, is not seen until the process restarts.
Partnerships change far more often than cities and take milliseconds to read, so a change to
them alone rereads only them; the cities and the twinning list (seconds) wait for their own key.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from tortoise import connections

from core.models import City, Partnership, PartnershipArea
from core.settings import get_settings
from core.suggestions import features, twinning
from core.suggestions.scoring import AREA_BITS

_KEY_SQL = """
SELECT (SELECT MAX(id) FROM city) AS city_id,
       (SELECT MAX(id) FROM audit_entry WHERE entity_type = 'city') AS city_change,
       (SELECT COUNT(*) FROM partnership) AS partnerships,
       (SELECT MAX(id) FROM partnership) AS partnership_id,
       (SELECT COALESCE(SUM(version), 0) FROM partnership) AS versions,
       (SELECT MAX(updated_at) FROM partnership) AS partnership_at,
       (SELECT COUNT(*) FROM partnership_area) AS areas,
       (SELECT MAX(id) FROM partnership_area) AS area_id
"""
_CITY_PART = 2  # the first two values of the key are the cities'


@dataclass(frozen=True, slots=True)
class Index:
    cities_key: tuple[object, ...]  # the cities and the twinning list as they were read
    partnerships_key: tuple[object, ...]
    # cities, by position
    ids: np.ndarray  # int64
    position: dict[int, int]  # city id -> position
    names: list[str]
    countries: np.ndarray  # '<U2'
    population: np.ndarray  # float, NaN when unknown
    log_population: np.ndarray
    latitude: np.ndarray  # float, NaN when unknown
    coast: np.ndarray  # int8: features.COASTAL / INLAND / UNKNOWN
    # twinnings between two foreign cities (the worldwide list), in both directions
    world_from: np.ndarray  # int64
    world_to: np.ndarray  # int64
    # partnerships, by row: positions of their two regions, status, areas as a bit mask
    home: np.ndarray  # int64
    away: np.ndarray  # int64
    status: np.ndarray  # '<U16'
    areas: np.ndarray  # int64


_cached: Index | None = None
_locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}


async def current() -> Index:
    """The index, brought up to date first: the cities and the twinning list are read again when
    they changed (seconds), the partnerships alone when only they changed (milliseconds)."""
    global _cached
    cities_key, partnerships_key = await _keys()
    found = _cached
    if found and (found.cities_key, found.partnerships_key) == (cities_key, partnerships_key):
        return found
    loop = asyncio.get_running_loop()
    async with _locks.setdefault(loop, asyncio.Lock()):
        cities_key, partnerships_key = await _keys()
        found = _cached
        if found is None or found.cities_key != cities_key:
            found = await _read_cities(cities_key)
        if found.partnerships_key != partnerships_key:
            found = await _read_partnerships(found, partnerships_key)
        _cached = found
        return found


def forget() -> None:
    """Drop the index (tests that swap the database under a running process)."""
    global _cached
    _cached = None


async def _keys() -> tuple[tuple[object, ...], tuple[object, ...]]:
    [row] = await connections.get("default").execute_query_dict(_KEY_SQL)
    values = tuple(str(v) for v in row.values())
    stamp = _stamp(get_settings().twinning_file)
    return (*values[:_CITY_PART], *stamp), values[_CITY_PART:]


def _stamp(path: str | None) -> tuple[str | None, int]:
    """The twinning list's path and modification time (0 when unset or missing)."""
    return (path, Path(path).stat().st_mtime_ns) if path and Path(path).is_file() else (path, 0)


async def _read_cities(key: tuple[object, ...]) -> Index:
    """Every city as arrays, with the twinning list's links; no partnerships yet."""
    rows = (
        await City.all()
        .order_by("id")
        .values_list(
            "id", "name", "country_id", "population", "latitude", "longitude", "geonames_id"
        )
    )
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    position = {int(city_id): i for i, city_id in enumerate(ids)}
    population = np.array([np.nan if r[3] is None else r[3] for r in rows], dtype=float)
    latitude = np.array([np.nan if r[4] is None else r[4] for r in rows], dtype=float)
    world_from, world_to = await twinning.links(get_settings().twinning_file, position)
    none = np.zeros(0, dtype=np.int64)
    return Index(
        cities_key=key,
        partnerships_key=(),
        ids=ids,
        position=position,
        names=[r[1] for r in rows],
        countries=np.array([r[2] for r in rows], dtype="<U2"),
        population=population,
        log_population=features.log_population(population),
        latitude=latitude,
        coast=features.coast([r[6] for r in rows]),
        world_from=world_from,
        world_to=world_to,
        home=none,
        away=none,
        status=np.zeros(0, dtype="<U16"),
        areas=none,
    )


async def _read_partnerships(cities: Index, key: tuple[object, ...]) -> Index:
    """``cities`` with every partnership and its areas read again.

    A partnership with a city newer than ``cities`` is left out: the cities' key has changed
    too, so the next use reads everything again.
    """
    position = cities.position
    pairs = [
        p
        for p in await Partnership.all()
        .order_by("id")
        .values_list("id", "indonesian_region_id", "foreign_region_id", "status")
        if p[1] in position and p[2] in position
    ]
    row_of = {p[0]: i for i, p in enumerate(pairs)}
    areas = np.zeros(len(pairs), dtype=np.int64)
    for partnership_id, area in await PartnershipArea.all().values_list("partnership_id", "area"):
        if partnership_id in row_of:
            areas[row_of[partnership_id]] |= AREA_BITS[area]
    return replace(
        cities,
        partnerships_key=key,
        home=np.array([position[p[1]] for p in pairs], dtype=np.int64),
        away=np.array([position[p[2]] for p in pairs], dtype=np.int64),
        status=np.array([str(p[3]) for p in pairs], dtype="<U16"),
        areas=areas,
    )
