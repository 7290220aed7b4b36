"""Partner suggestions (core.services.suggestions) over a small hand-built world, real database."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.enums import Area, PartnershipKind, RegionLevel
from core.errors import DomainError, ErrorCode
from core.models import City, Partnership
from core.policy import PUBLIC_STATUSES
from core.services import cities, partnerships, suggestions
from core.settings import get_settings
from core.stages import Status
from core.suggestions import index as city_index
from core.suggestions.scoring import Factor
from tests import factories

# name: (country, population, latitude, longitude, GeoNames id)
WORLD = {
    "Surabaya": ("ID", 3_018_022, -7.24917, 112.75083, 1625822),
    "Medan": ("ID", 2_486_283, 3.58333, 98.66667, 1214520),
    "Semarang": ("ID", 1_694_740, -6.99306, 110.42083, 1627896),
    "Kitakyushu": ("JP", 940_978, 33.85181, 130.85034, 1859307),
    "Busan": ("KR", 3_285_147, 35.10168, 129.03004, 1838524),
    "Gwangju": ("KR", 1_401_235, 35.15472, 126.91556, 1841811),
    "Incheon": ("KR", 3_015_482, 37.45646, 126.70515, 1843564),
    "Xiamen": ("CN", 3_015_000, 24.47979, 118.08187, None),
    "Dalian": ("CN", 3_015_000, 24.47979, 118.08187, None),  # Xiamen's twin, for the network
    "Haifa": ("IL", 3_018_022, -7.24917, 112.75083, 1625822 + 10**9),  # Surabaya's double
    "Taipei": ("TW", 3_018_022, -7.24917, 112.75083, None),
    "Braunschweig": ("DE", 244_715, 52.26594, 10.52673, 2945024),
}


async def build_world() -> dict[str, City]:
    made = {}
    for name, (country, population, lat, lng, geonames_id) in WORLD.items():
        made[name] = await cities.create_city(
            name=name,
            level=RegionLevel.CITY,
            country_code=country,
            population=population,
            latitude=lat,
            longitude=lng,
            geonames_id=geonames_id,
        )
    return made


async def twin(home: City, away: City, areas: list[Area] | None = None) -> Partnership:
    return await partnerships.propose(
        indonesian_region_id=home.id,
        foreign_region_id=away.id,
        kind=PartnershipKind.SISTER_CITY,
        areas=areas or [],
        actor=factories.ACTOR,
    )


@pytest.fixture(autouse=True)
async def fresh_index(db: str) -> AsyncIterator[None]:
    """Each test empties the tables and restarts the ids: never reuse an index across tests."""
    city_index.forget()
    yield
    city_index.forget()


@pytest.fixture
def twinning_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A worldwide twinning list (the real file's shape) that the index reads."""
    path = tmp_path / "twins.csv"
    path.write_text(
        "city1,country1,lat1,lng1,city2,country2,lat2,lng2\n"
        "Kitakyushu,Japan,33.85,130.85,Dalian,China,24.48,118.08\n"
        "Nowhere,Japan,,,Dalian,China,,\n"
        "Surabaya,Indonesia,-7.25,112.75,Busan,South Korea,35.1,129.0\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(get_settings(), "twinning_file", str(path))
    return path


def names(found: list[suggestions.Suggestion]) -> list[str]:
    return [s.city.name for s in found]


def factor(found: suggestions.Suggestion, name: str) -> Factor:
    [f] = [f for f in found.factors if f.name == name]
    return f


async def test_exclusions_existing_partners_indonesian_cities_and_no_relations() -> None:
    world = await build_world()
    await twin(world["Surabaya"], world["Kitakyushu"])
    gone = await twin(world["Surabaya"], world["Incheon"])
    await partnerships.abandon(
        partnership_id=gone.id, expected_version=gone.version, reason="none", actor="test"
    )
    found = await suggestions.suggest(region_id=world["Surabaya"].id, first=50)
    listed = names(found)
    assert set(listed) == {"Busan", "Gwangju", "Xiamen", "Dalian", "Braunschweig"}
    # Haifa (Israel) and Taipei (Taiwan) would top the list: Surabaya's own numbers.
    assert "Haifa" not in listed and "Taipei" not in listed
    await cities.set_diplomatic_relations(country_code="TW", has_relations=True, actor="test")
    again = await suggestions.suggest(region_id=world["Surabaya"].id, first=50)
    assert names(again)[0] == "Taipei"
    assert factor(again[0], "population").score == 1.0


async def test_population_reason_matches_the_data() -> None:
    world = await build_world()
    [busan] = [
        s
        for s in await suggestions.suggest(region_id=world["Surabaya"].id, first=50)
        if s.city.name == "Busan"
    ]
    f = factor(busan, "population")
    assert f.reason_en == "Similar population (3.3 M vs 3 M)"
    assert f.reason_id == "Populasi serupa (3,3 jt vs 3 jt)"
    assert f.score == round(1 - abs(math.log10(3_285_147 / 3_018_022)), 4)
    climate = factor(busan, "climate")
    assert climate.reason_en == "Different climate: temperate vs tropical (35.1° N vs 7.2° S)"
    assert climate.reason_id == "Iklim berbeda: sedang vs tropis (35,1° LU vs 7,2° LS)"
    assert climate.score == 0.0  # 27.9 degrees further from the equator than Surabaya
    coast = factor(busan, "coast")
    assert (coast.score, coast.reason_en, coast.reason_id) == (
        1.0, "Both coastal", "Sama-sama kota pesisir",
    )  # fmt: skip
    total = sum(f.score * f.weight for f in busan.factors)
    assert busan.score == pytest.approx(total, abs=1e-3)
    [braunschweig] = [
        s
        for s in await suggestions.suggest(region_id=world["Surabaya"].id, first=50)
        if s.city.name == "Braunschweig"
    ]
    assert factor(braunschweig, "population").reason_en == (
        "Different population (245 k vs 3 M)"
    )
    assert factor(braunschweig, "coast").reason_en == "Inland vs coastal"
    assert factor(braunschweig, "population").score == 0.0


async def test_partner_of_a_partner_ranks_up_with_the_network_reason(twinning_file: Path) -> None:
    world = await build_world()
    await twin(world["Surabaya"], world["Kitakyushu"])
    found = await suggestions.suggest(region_id=world["Surabaya"].id, first=50)
    by_name = {s.city.name: s for s in found}
    # Xiamen and Dalian have the same numbers; only Dalian is twinned with Kitakyushu.
    assert names(found).index("Dalian") < names(found).index("Xiamen")
    network = factor(by_name["Dalian"], "network")
    assert network.score == 1.0
    assert network.reason_en == "Twinned with Kitakyushu, a partner of yours"
    assert network.reason_id == "Bermitra dengan Kitakyushu, mitra Anda"
    assert by_name["Dalian"].reasons(indonesian=False)[0] == network.reason_en
    assert factor(by_name["Xiamen"], "network").score == 0.0
    assert factor(by_name["Xiamen"], "network").reason_en == "No related twinning links"
    # The list's Indonesian pair (Surabaya-Busan) is not a link: only partnerships are.
    assert factor(by_name["Busan"], "network").score == 0.0


async def test_twinned_with_an_indonesian_city_like_yours() -> None:
    world = await build_world()
    await twin(world["Medan"], world["Gwangju"], [Area.EDUCATION, Area.CULTURE])
    await twin(world["Semarang"], world["Braunschweig"])
    found = await suggestions.suggest(region_id=world["Surabaya"].id, first=50)
    by_name = {s.city.name: s for s in found}
    medan_like = 1 - abs(math.log10(2_486_283 / 3_018_022))
    similarity = round(medan_like, 2)
    network = factor(by_name["Gwangju"], "network")
    assert network.score == pytest.approx(0.6 * medan_like, abs=1e-4)
    assert network.reason_en == (
        f"Twinned with Medan, an Indonesian city like yours (similarity {similarity:.2f})"
    )
    assert network.reason_id == (
        "Bermitra dengan Medan, kota Indonesia yang mirip dengan Anda "
        f"(kemiripan {f'{similarity:.2f}'.replace('.', ',')})"
    )
    # Semarang (1.7 M) is also like Surabaya (3 M): within a factor of ten, same coast.
    semarang_like = 1 - abs(math.log10(1_694_740 / 3_018_022))
    assert factor(by_name["Braunschweig"], "network").score == pytest.approx(
        0.6 * semarang_like, abs=1e-4
    )


async def test_areas_requested_or_taken_from_the_regions_partnerships() -> None:
    world = await build_world()
    await twin(world["Medan"], world["Gwangju"], [Area.EDUCATION, Area.CULTURE])
    found = await suggestions.suggest(
        region_id=world["Surabaya"].id, areas=[Area.EDUCATION, Area.HEALTH], first=50
    )
    gwangju = next(s for s in found if s.city.name == "Gwangju")
    areas = factor(gwangju, "areas")
    assert (areas.score, areas.reason_en, areas.reason_id) == (
        0.5, "Shared areas: education (1 of 2)", "Bidang sama: pendidikan (1 dari 2)",
    )  # fmt: skip
    busan = next(s for s in found if s.city.name == "Busan")
    assert factor(busan, "areas").reason_en == "No shared areas (0 of 2)"
    # Without requested areas, the region's own partnerships' areas are what it wants.
    plain = await suggestions.suggest(region_id=world["Surabaya"].id, first=50)
    assert factor(plain[0], "areas").reason_en == "No areas of interest requested or recorded"
    await twin(world["Surabaya"], world["Kitakyushu"], [Area.CULTURE, Area.TOURISM])
    own = await suggestions.suggest(region_id=world["Surabaya"].id, first=50)
    gwangju = next(s for s in own if s.city.name == "Gwangju")
    assert factor(gwangju, "areas").reason_en == "Shared areas: culture (1 of 2)"


async def test_only_partnerships_the_caller_may_read_count() -> None:
    world = await build_world()
    await twin(world["Medan"], world["Gwangju"], [Area.EDUCATION])  # in preparation
    hidden = await suggestions.suggest(
        region_id=world["Surabaya"].id, areas=[Area.EDUCATION], first=50,
        statuses=PUBLIC_STATUSES,
    )  # fmt: skip
    gwangju = next(s for s in hidden if s.city.name == "Gwangju")
    assert factor(gwangju, "network").score == 0.0
    assert factor(gwangju, "areas").score == 0.0
    seen = await suggestions.suggest(
        region_id=world["Surabaya"].id, areas=[Area.EDUCATION], first=50,
        statuses=frozenset(Status),
    )  # fmt: skip
    gwangju = next(s for s in seen if s.city.name == "Gwangju")
    assert factor(gwangju, "network").score > 0 and factor(gwangju, "areas").score == 1.0


async def test_filters_order_and_first() -> None:
    world = await build_world()
    found = await suggestions.suggest(region_id=world["Surabaya"].id, countries=["kr"], first=2)
    assert len(found) == 2 and {s.city.country_id for s in found} == {"KR"}
    scores = [s.score for s in await suggestions.suggest(region_id=world["Surabaya"].id, first=50)]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    # Equal scores are ordered by id (Xiamen was created before Dalian).
    both = await suggestions.suggest(region_id=world["Surabaya"].id, countries=["CN"], first=1)
    assert names(both) == ["Xiamen"]
    assert await suggestions.suggest(region_id=world["Surabaya"].id, countries=["FR"]) == []


async def test_the_index_follows_new_and_edited_cities() -> None:
    world = await build_world()
    before = await suggestions.suggest(region_id=world["Surabaya"].id, countries=["FR"])
    assert before == []
    lyon = await cities.create_city(
        name="Lyon", level=RegionLevel.CITY, country_code="FR", population=500_000,
        latitude=45.75, longitude=4.85,
    )  # fmt: skip
    [found] = await suggestions.suggest(region_id=world["Surabaya"].id, countries=["FR"])
    assert factor(found, "population").reason_en == "Different population (500 k vs 3 M)"
    await cities.update_city(city_id=lyon.id, population=2_000_000)
    [found] = await suggestions.suggest(region_id=world["Surabaya"].id, countries=["FR"])
    assert factor(found, "population").reason_en == "Similar population (2 M vs 3 M)"


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"first": 0}, ErrorCode.INVALID, "first"),
        ({"first": 51}, ErrorCode.INVALID, "first"),
        ({"countries": ["XX"]}, ErrorCode.NOT_FOUND, "countries"),
        ({"countries": ["KOR"]}, ErrorCode.INVALID, "countries"),
        ({"countries": ["ID"]}, ErrorCode.INVALID, "countries"),
        ({"region": "missing"}, ErrorCode.NOT_FOUND, "regionId"),
        ({"region": "Busan"}, ErrorCode.INVALID, "regionId"),
    ],
)
async def test_bad_arguments_are_typed_errors(kwargs: dict, code: ErrorCode, field: str) -> None:
    world = await build_world()
    region = kwargs.pop("region", "Surabaya")
    region_id = world[region].id if region in world else 999_999
    with pytest.raises(DomainError) as caught:
        await suggestions.suggest(region_id=region_id, **kwargs)
    [problem] = caught.value.problems
    assert (problem.code, problem.field) == (code, field)


async def test_a_province_without_numbers_still_gets_suggestions() -> None:
    world = await build_world()
    jatim = await cities.create_city(
        name="Jawa Timur", level=RegionLevel.PROVINCE, country_code="ID"
    )
    await twin(jatim, world["Kitakyushu"], [Area.ENVIRONMENT])
    found = await suggestions.suggest(region_id=jatim.id, first=3)
    assert len(found) == 3
    assert factor(found[0], "population").reason_en.startswith("Population of Jawa Timur unknown")
    assert factor(found[0], "coast").reason_en.startswith("Whether Jawa Timur is coastal")


async def test_a_new_partnership_rereads_the_partnerships_only() -> None:
    world = await build_world()
    before = await suggestions.suggest(region_id=world["Surabaya"].id, countries=["KR"])
    assert "Busan" in names(before)
    cities_read = (await city_index.current()).ids
    await twin(world["Surabaya"], world["Busan"])
    after = await suggestions.suggest(region_id=world["Surabaya"].id, countries=["KR"])
    assert "Busan" not in names(after)
    index = await city_index.current()
    assert index.ids is cities_read and len(index.home) == 1
