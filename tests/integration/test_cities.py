"""Cities and regions (core.services.cities): create, update and their validation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tortoise import connections

from core.enums import RegionLevel
from core.errors import DomainError, ErrorCode
from core.models import City, Country
from core.pagination import Window
from core.services import cities
from tests import factories


@pytest.fixture(autouse=True)
async def detach_parents() -> AsyncIterator[None]:
    """After each test, clear parent links: the conftest's SQLite cleanup (``DELETE FROM city``)
    fails on a parent deleted before its child (the self-reference is ON DELETE RESTRICT)."""
    yield
    await connections.get("default").execute_script("UPDATE city SET parent_id = NULL")


def problems(exc: pytest.ExceptionInfo[DomainError]) -> set[tuple[ErrorCode, str | None]]:
    return {(p.code, p.field) for p in exc.value.problems}


async def test_create_a_city_with_every_field(db: str) -> None:
    java = await factories.region("Jawa Timur", level=RegionLevel.PROVINCE)
    city = await cities.create_city(
        name="  Surabaya ",
        level=RegionLevel.CITY,
        country_code=" id ",
        alternate_names=["Soerabaja", " Suroboyo ", "Soerabaja", "", "  "],
        parent_id=java.id,
        population=2_874_314,
        latitude=-7.2575,
        longitude=112.7521,
        timezone="Asia/Jakarta",
        geonames_id=1625822,
    )
    stored = await cities.get(city.id)
    assert (
        stored.name,
        stored.level,
        stored.country_id,
        stored.alternate_names,
        stored.parent_id,
        stored.population,
        stored.latitude,
        stored.longitude,
        stored.timezone,
        stored.geonames_id,
    ) == (
        "Surabaya",
        RegionLevel.CITY,
        "ID",
        ["Soerabaja", "Suroboyo"],
        java.id,
        2_874_314,
        -7.2575,
        112.7521,
        "Asia/Jakarta",
        1625822,
    )
    assert stored.search_text == "surabaya\nsoerabaja\nsuroboyo"


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(90.0, 180.0), (-90.0, -180.0), (0.0, 0.0), (None, None)],
    ids=["north-east corner", "south-west corner", "null island", "no coordinates"],
)
async def test_coordinates_on_the_edges_are_accepted(
    db: str, latitude: float | None, longitude: float | None
) -> None:
    city = await cities.create_city(
        name="Edge",
        level=RegionLevel.CITY,
        country_code="NZ",
        latitude=latitude,
        longitude=longitude,
    )
    stored = await cities.get(city.id)
    assert (stored.latitude, stored.longitude) == (latitude, longitude)


BAD_CITIES = [
    pytest.param(
        {"latitude": 90.01, "longitude": 0.0}, {(ErrorCode.INVALID, "latitude")}, id="lat>90"
    ),
    pytest.param(
        {"latitude": -91.0, "longitude": 0.0}, {(ErrorCode.INVALID, "latitude")}, id="lat<-90"
    ),
    pytest.param(
        {"latitude": 0.0, "longitude": 180.5}, {(ErrorCode.INVALID, "longitude")}, id="lng>180"
    ),
    pytest.param(
        {"latitude": 0.0, "longitude": -181.0}, {(ErrorCode.INVALID, "longitude")}, id="lng<-180"
    ),
    pytest.param(
        {"latitude": float("nan"), "longitude": 0.0},
        {(ErrorCode.INVALID, "latitude")},
        id="lat NaN",
    ),
    pytest.param({"latitude": 1.0}, {(ErrorCode.INVALID, "longitude")}, id="latitude only"),
    pytest.param({"longitude": 1.0}, {(ErrorCode.INVALID, "longitude")}, id="longitude only"),
    pytest.param(
        {"latitude": 95.0},
        {(ErrorCode.INVALID, "latitude"), (ErrorCode.INVALID, "longitude")},
        id="latitude only and out of range",
    ),
    pytest.param({"country_code": "QQ"}, {(ErrorCode.NOT_FOUND, "countryCode")}, id="no country"),
    pytest.param({"country_code": ""}, {(ErrorCode.NOT_FOUND, "countryCode")}, id="empty country"),
    pytest.param({"name": "  "}, {(ErrorCode.REQUIRED, "name")}, id="blank name"),
    pytest.param({"name": "n" * 201}, {(ErrorCode.INVALID, "name")}, id="name too long"),
    pytest.param(
        {"alternate_names": ["a" * 201]},
        {(ErrorCode.INVALID, "alternateNames")},
        id="alternate name too long",
    ),
    pytest.param({"population": -1}, {(ErrorCode.INVALID, "population")}, id="negative population"),
    pytest.param({"timezone": "t" * 65}, {(ErrorCode.INVALID, "timezone")}, id="timezone too long"),
    pytest.param({"parent_id": 9999}, {(ErrorCode.NOT_FOUND, "parentId")}, id="no parent"),
]


@pytest.mark.parametrize(("values", "expected"), BAD_CITIES)
async def test_a_bad_city_is_refused_and_nothing_is_written(
    db: str, values: dict[str, object], expected: set[tuple[ErrorCode, str]]
) -> None:
    fields: dict[str, object] = {
        "name": "Braunschweig",
        "level": RegionLevel.CITY,
        "country_code": "DE",
        **values,
    }
    with pytest.raises(DomainError) as exc:
        await cities.create_city(**fields)  # type: ignore[arg-type]
    assert problems(exc) == expected
    assert await City.all().count() == 0


async def test_the_parent_must_be_in_the_same_country(db: str) -> None:
    bavaria = await factories.region("Bayern", "DE", RegionLevel.PROVINCE)
    with pytest.raises(DomainError) as exc:
        await factories.region("Bandung", "ID", parent_id=bavaria.id)
    assert problems(exc) == {(ErrorCode.INVALID, "parentId")}
    assert await City.all().count() == 1


async def test_a_duplicate_geonames_id_is_refused(db: str) -> None:
    await factories.region("Gwangju", "KR", geonames_id=1841811)
    with pytest.raises(DomainError) as exc:
        await factories.region("Gwangju", "KR", geonames_id=1841811)
    assert problems(exc) == {(ErrorCode.DUPLICATE, "geonamesId")}
    # the same name without a geonames id is fine: names are not unique
    other = await factories.region("Gwangju", "KR")
    assert await City.filter(name="Gwangju").count() == 2
    with pytest.raises(DomainError) as exc:
        await cities.update_city(city_id=other.id, geonames_id=1841811)
    assert problems(exc) == {(ErrorCode.DUPLICATE, "geonamesId")}
    assert (await cities.get(other.id)).geonames_id is None


# --- update -------------------------------------------------------------------------------------


async def test_update_changes_given_fields_and_recomputes_the_search_text(db: str) -> None:
    city = await factories.region("Djokjakarta", level=RegionLevel.CITY)
    updated = await cities.update_city(
        city_id=city.id,
        name="Yogyakarta",
        alternate_names=["Jogja", "Djokjakarta"],
        level=RegionLevel.PROVINCE,
        population=None,  # unchanged
        latitude=-7.8,
        longitude=110.36,
    )
    stored = await cities.get(city.id)
    assert (stored.name, stored.level, stored.alternate_names, stored.latitude) == (
        "Yogyakarta",
        RegionLevel.PROVINCE,
        ["Jogja", "Djokjakarta"],
        -7.8,
    )
    assert stored.search_text == "yogyakarta\njogja\ndjokjakarta"
    assert updated.name == "Yogyakarta"
    page = await cities.search(window=Window(), text="djokja")
    assert [c.id for c in page.items] == [city.id]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"latitude": 100.0},
            {(ErrorCode.INVALID, "latitude"), (ErrorCode.INVALID, "longitude")},
        ),
        ({"longitude": 1.0}, {(ErrorCode.INVALID, "longitude")}),  # no latitude stored
        ({"country_code": "XX"}, {(ErrorCode.NOT_FOUND, "countryCode")}),
        ({"name": ""}, {(ErrorCode.REQUIRED, "name")}),
    ],
    ids=["latitude out of range", "longitude without latitude", "unknown country", "empty name"],
)
async def test_update_validates_the_merged_city_and_changes_nothing(
    db: str, values: dict[str, object], expected: set[tuple[ErrorCode, str]]
) -> None:
    city = await factories.region("Medan")
    with pytest.raises(DomainError) as exc:
        await cities.update_city(city_id=city.id, **values)
    assert problems(exc) == expected
    stored = await cities.get(city.id)
    assert (stored.name, stored.country_id, stored.latitude, stored.longitude) == (
        "Medan",
        "ID",
        None,
        None,
    )


async def test_moving_a_city_to_another_country_must_keep_its_parent_in_it(db: str) -> None:
    province = await factories.region("Sumatera Utara", level=RegionLevel.PROVINCE)
    city = await factories.region("Medan", parent_id=province.id)
    with pytest.raises(DomainError) as exc:
        await cities.update_city(city_id=city.id, country_code="MY")
    assert problems(exc) == {(ErrorCode.INVALID, "parentId")}
    assert (await cities.get(city.id)).country_id == "ID"


async def test_a_region_cannot_become_its_own_ancestor(db: str) -> None:
    province = await factories.region("Jawa Barat", level=RegionLevel.PROVINCE)
    regency = await factories.region(
        "Bandung Raya", level=RegionLevel.REGENCY, parent_id=province.id
    )
    city = await factories.region("Bandung", parent_id=regency.id)
    for descendant_or_self in (city, regency, province):
        with pytest.raises(DomainError) as exc:
            await cities.update_city(city_id=province.id, parent_id=descendant_or_self.id)
        assert problems(exc) == {(ErrorCode.INVALID, "parentId")}
    assert (await cities.get(province.id)).parent_id is None
    # a legal move is still accepted
    other = await factories.region("Jawa Tengah", level=RegionLevel.PROVINCE)
    moved = await cities.update_city(city_id=city.id, parent_id=other.id)
    assert moved.parent_id == other.id


async def test_update_of_an_unknown_city_is_not_found(db: str) -> None:
    with pytest.raises(DomainError) as exc:
        await cities.update_city(city_id=404, name="x")
    assert problems(exc) == {(ErrorCode.NOT_FOUND, "id")}


async def test_update_refuses_unknown_fields(db: str) -> None:
    city = await factories.region("Medan")
    with pytest.raises(TypeError, match="mayor"):
        await cities.update_city(city_id=city.id, mayor="Bobby")
    assert (await cities.get(city.id)).name == "Medan"


# --- countries ----------------------------------------------------------------------------------


async def test_diplomatic_relations_can_be_changed_and_listed(db: str) -> None:
    without = [c.code for c in await cities.countries(with_relations=False)]
    assert {"IL", "TW"} <= set(without)
    assert "JP" not in without
    country = await cities.set_diplomatic_relations(country_code="jp", has_relations=False)
    assert (country.code, country.diplomatic_relations) == ("JP", False)
    assert (await Country.get(code="JP")).diplomatic_relations is False
    with pytest.raises(DomainError) as exc:
        await cities.set_diplomatic_relations(country_code="QQ", has_relations=True)
    assert problems(exc) == {(ErrorCode.NOT_FOUND, "countryCode")}


async def test_a_region_with_subregions_cannot_move_to_another_country(db: str) -> None:
    province = await factories.region("Sumatera Utara", level=RegionLevel.PROVINCE)
    await factories.region("Medan", parent_id=province.id)
    with pytest.raises(DomainError) as exc:
        await cities.update_city(city_id=province.id, country_code="MY")
    assert problems(exc) == {(ErrorCode.INVALID, "countryCode")}
    assert (await cities.get(province.id)).country_id == "ID"
    # without subregions the move is allowed
    lone = await factories.region("Pulau Batam", level=RegionLevel.REGENCY)
    assert (await cities.update_city(city_id=lone.id, country_code="SG")).country_id == "SG"


async def test_a_region_in_a_partnership_keeps_its_country(db: str) -> None:
    p = await factories.pair("Bandung", "Braunschweig", "DE")
    for city_id, country in ((p.indonesian_region_id, "MY"), (p.foreign_region_id, "ID")):
        before = await City.get(id=city_id)
        with pytest.raises(DomainError) as refused:
            await cities.update_city(city_id=city_id, country_code=country)
        assert [(x.code, x.field) for x in refused.value.problems] == [
            (ErrorCode.INVALID, "countryCode")
        ]
        assert (await City.get(id=city_id)).country_id == before.country_id
