"""Search filters and keyset pagination (cities, partnerships, programs) on the real database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from tortoise import connections

from core.enums import Area, PartnershipKind, ProgramStatus, ProgramType, RegionLevel
from core.errors import DomainError, ErrorCode
from core.models import City, Partnership, Program
from core.pagination import Window, encode_cursor
from core.services import cities, partnerships, programs
from core.stages import Stage, Status
from tests import factories
from tests.factories import ACTOR

TODAY = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def today() -> Iterator[date]:
    with factories.frozen(TODAY):
        yield TODAY


@pytest.fixture(autouse=True)
async def detach_parents() -> AsyncIterator[None]:
    """The conftest's SQLite cleanup cannot delete a parent city before its child."""
    yield
    await connections.get("default").execute_script("UPDATE city SET parent_id = NULL")


def problems(exc: pytest.ExceptionInfo[DomainError]) -> set[tuple[ErrorCode, str | None]]:
    return {(p.code, p.field) for p in exc.value.problems}


@dataclass
class World:
    cities: dict[str, City]
    partnerships: dict[str, Partnership]
    programs: dict[str, Program]


@pytest.fixture
async def world(db: str) -> World:
    """Seven regions, four partnerships in different stages, four programs."""
    c: dict[str, City] = {}
    c["jabar"] = await factories.region("Jawa Barat", level=RegionLevel.PROVINCE)
    c["bandung"] = await cities.create_city(
        name="Bandung",
        level=RegionLevel.CITY,
        country_code="ID",
        parent_id=c["jabar"].id,
        alternate_names=["Parijs van Java"],
    )
    c["surabaya"] = await cities.create_city(
        name="Surabaya", level=RegionLevel.CITY, country_code="ID", alternate_names=["Soerabaja"]
    )
    c["medan"] = await factories.region("Medan", level=RegionLevel.CITY)
    c["braunschweig"] = await cities.create_city(
        name="Braunschweig",
        level=RegionLevel.CITY,
        country_code="DE",
        alternate_names=["Brunswick"],
    )
    c["kitakyushu"] = await cities.create_city(
        name="Kitakyushu", level=RegionLevel.CITY, country_code="JP", alternate_names=["北九州市"]
    )
    c["gwangju"] = await cities.create_city(
        name="Gwangju",
        level=RegionLevel.COUNTY,
        country_code="KR",
        alternate_names=["Gwangju Metropolitan City"],
    )
    p: dict[str, Partnership] = {}
    p["bandung_bs"] = await factories.walk(
        await factories.propose(
            c["bandung"], c["braunschweig"], areas=[Area.EDUCATION, Area.CULTURE]
        ),
        Stage.IMPLEMENTATION,
    )  # signed 2025
    p["surabaya_kk"] = await factories.walk(
        await factories.propose(
            c["surabaya"],
            c["kitakyushu"],
            kind=PartnershipKind.FRIENDSHIP,
            areas=[Area.ENVIRONMENT],
        ),
        Stage.IMPLEMENTATION,
        signed_on=date(2026, 5, 1),
    )
    medan = await factories.propose(c["medan"], c["gwangju"], areas=[Area.ECONOMY])
    p["medan_gj"] = await partnerships.abandon(
        partnership_id=medan.id, expected_version=medan.version, reason="no", actor=ACTOR
    )
    p["bandung_kk"] = await factories.walk(
        await factories.propose(
            c["bandung"], c["kitakyushu"], kind=PartnershipKind.OTHER, areas=[Area.CULTURE]
        ),
        Stage.EXPLORATION,
    )
    g: dict[str, Program] = {}

    async def program(key: str, partnership: str, **values: object) -> None:
        g[key] = await programs.create_program(
            partnership_id=p[partnership].id,
            title=key,
            actor=ACTOR,
            **values,  # type: ignore[arg-type]
        )

    await program(
        "exchange",
        "bandung_bs",
        area=Area.EDUCATION,
        type=ProgramType.STUDENT_EXCHANGE,
        status=ProgramStatus.COMPLETED,
        starts_on=date(2024, 3, 1),
        ends_on=date(2024, 8, 31),
    )
    await program(
        "festival",
        "bandung_bs",
        area=Area.CULTURE,
        type=ProgramType.CULTURAL_FESTIVAL,
        status=ProgramStatus.ONGOING,
        starts_on=date(2025, 6, 1),
    )
    await program(
        "waste",
        "surabaya_kk",
        area=Area.ENVIRONMENT,
        type=ProgramType.TECHNICAL_PROJECT,
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
    )
    await program(
        "training",
        "surabaya_kk",
        area=Area.EDUCATION,
        type=ProgramType.TRAINING,
        status=ProgramStatus.CANCELLED,
    )
    return World(c, p, g)


def ids(items: list[City] | list[Partnership] | list[Program]) -> list[int]:
    return [item.id for item in items]


# --- cities -------------------------------------------------------------------------------------

CITY_FILTERS = [
    ({}, ["jabar", "bandung", "surabaya", "medan", "braunschweig", "kitakyushu", "gwangju"]),
    ({"country_code": "ID"}, ["jabar", "bandung", "surabaya", "medan"]),
    ({"country_code": "de"}, ["braunschweig"]),
    ({"country_code": "FR"}, []),
    ({"parent_id": "jabar"}, ["bandung"]),
    ({"level": RegionLevel.PROVINCE}, ["jabar"]),
    ({"level": RegionLevel.COUNTY}, ["gwangju"]),
    ({"country_code": "ID", "level": RegionLevel.CITY}, ["bandung", "surabaya", "medan"]),
    ({"text": "brunswick"}, ["braunschweig"]),  # an alternate name
    ({"text": "  SOERA "}, ["surabaya"]),  # case, spaces, prefix
    ({"text": "metropolitan"}, ["gwangju"]),
    ({"text": "北九州"}, ["kitakyushu"]),
    ({"text": "java"}, ["bandung"]),  # "Jawa Barat" no; "Parijs van Java" yes
    ({"text": "an"}, ["bandung", "medan", "gwangju"]),
    (
        {"text": "   "},
        ["jabar", "bandung", "surabaya", "medan", "braunschweig", "kitakyushu", "gwangju"],
    ),
    ({"text": "%"}, []),  # a LIKE wildcard is a literal character
    ({"text": "_"}, []),
    ({"text": "bandung", "country_code": "DE"}, []),
]


async def test_city_search_filters(world: World) -> None:
    # One world for the whole table (building it per case is slow); every case is reported.
    names = {row.id: key for key, row in world.cities.items()}
    found, wanted = {}, {}
    for filters, expected in CITY_FILTERS:
        given = dict(filters)
        if "parent_id" in given:
            given["parent_id"] = world.cities[str(given["parent_id"])].id
        page = await cities.search(window=Window(), **given)  # type: ignore[arg-type]
        found[str(filters)] = ([names[i] for i in ids(page.items)], await page.count())
        wanted[str(filters)] = (expected, len(expected))
    assert found == wanted


# --- partnerships -------------------------------------------------------------------------------

PARTNERSHIP_FILTERS = [
    ({}, ["bandung_bs", "surabaya_kk", "medan_gj", "bandung_kk"]),
    ({"stage": Stage.IMPLEMENTATION}, ["bandung_bs", "surabaya_kk"]),
    ({"stage": Stage.EXPLORATION}, ["bandung_kk"]),
    ({"stage": Stage.IDENTIFICATION}, ["medan_gj"]),
    ({"stage": Stage.EVALUATION}, []),
    ({"status": Status.ACTIVE}, ["bandung_bs", "surabaya_kk"]),
    ({"status": Status.ABANDONED}, ["medan_gj"]),
    ({"status": Status.IN_PREPARATION}, ["bandung_kk"]),
    ({"kind": PartnershipKind.FRIENDSHIP}, ["surabaya_kk"]),
    ({"kind": PartnershipKind.SISTER_CITY}, ["bandung_bs", "medan_gj"]),
    ({"area": Area.CULTURE}, ["bandung_bs", "bandung_kk"]),
    ({"area": Area.ENVIRONMENT}, ["surabaya_kk"]),
    ({"area": Area.HEALTH}, []),
    ({"region_id": "bandung"}, ["bandung_bs", "bandung_kk"]),  # the Indonesian side
    ({"region_id": "kitakyushu"}, ["surabaya_kk", "bandung_kk"]),  # the foreign side
    ({"region_id": "jabar"}, []),  # a parent is not a side
    ({"country_code": "JP"}, ["surabaya_kk", "bandung_kk"]),
    ({"country_code": " de "}, ["bandung_bs"]),
    ({"country_code": "id"}, ["bandung_bs", "surabaya_kk", "medan_gj", "bandung_kk"]),
    ({"country_code": "FR"}, []),
    ({"signed_year": 2025}, ["bandung_bs"]),
    ({"signed_year": 2026}, ["surabaya_kk"]),
    ({"signed_year": 2024}, []),
    ({"stage": Stage.IMPLEMENTATION, "area": Area.CULTURE}, ["bandung_bs"]),
    ({"region_id": "bandung", "country_code": "JP"}, ["bandung_kk"]),
    ({"status": Status.ACTIVE, "kind": PartnershipKind.OTHER}, []),
]


async def test_partnership_search_filters(world: World) -> None:
    names = {p.id: key for key, p in world.partnerships.items()}
    found, wanted = {}, {}
    for filters, expected in PARTNERSHIP_FILTERS:
        given = dict(filters)
        if "region_id" in given:
            given["region_id"] = world.cities[str(given["region_id"])].id
        page = await partnerships.search(window=Window(), **given)  # type: ignore[arg-type]
        found[str(filters)] = ([names[i] for i in ids(page.items)], await page.count())
        wanted[str(filters)] = (expected, len(expected))
    assert found == wanted


# --- programs -----------------------------------------------------------------------------------

PROGRAM_FILTERS = [
    ({}, ["exchange", "festival", "waste", "training"]),
    ({"area": Area.EDUCATION}, ["exchange", "training"]),
    ({"type": ProgramType.TRAINING}, ["training"]),
    ({"status": ProgramStatus.ONGOING}, ["festival"]),
    ({"status": ProgramStatus.PLANNED}, ["waste"]),
    ({"year": 2023}, []),
    ({"year": 2024}, ["exchange"]),
    ({"year": 2025}, ["festival"]),  # open-ended from mid-2025
    ({"year": 2026}, ["festival", "waste"]),
    ({"year": 2028}, ["festival"]),
    ({"partnership_id": "surabaya_kk"}, ["waste", "training"]),
    ({"partnership_id": "medan_gj"}, []),
    ({"area": Area.EDUCATION, "partnership_id": "bandung_bs"}, ["exchange"]),
]


async def test_program_search_filters(world: World) -> None:
    # One world for the whole table (building it per case is slow); every case is reported.
    names = {row.id: key for key, row in world.programs.items()}
    found, wanted = {}, {}
    for filters, expected in PROGRAM_FILTERS:
        given = dict(filters)
        if "partnership_id" in given:
            given["partnership_id"] = world.partnerships[str(given["partnership_id"])].id
        page = await programs.search(window=Window(), **given)  # type: ignore[arg-type]
        found[str(filters)] = ([names[i] for i in ids(page.items)], await page.count())
        wanted[str(filters)] = (expected, len(expected))
    assert found == wanted


async def test_a_program_running_into_the_year_from_before_counts_for_it(db: str) -> None:
    p = await factories.at_stage(Stage.EXPLORATION)
    spanning = await programs.create_program(
        partnership_id=p.id,
        title="multi-year",
        area=Area.HEALTH,
        type=ProgramType.GRANT,
        starts_on=date(2023, 12, 31),
        ends_on=date(2025, 1, 1),
        actor=ACTOR,
    )
    for year, found in [(2022, False), (2023, True), (2024, True), (2025, True), (2026, False)]:
        page = await programs.search(window=Window(), year=year)
        assert (spanning.id in ids(page.items)) is found, year


# --- pagination ---------------------------------------------------------------------------------


@pytest.fixture
async def many(db: str) -> list[int]:
    """25 cities in New Zealand and 3 elsewhere; returns the New Zealand ids in order."""
    made = []
    for n in range(28):
        country = "NZ" if n % 9 != 4 else "AU"
        city = await factories.region(f"Town {n:02}", country)
        if country == "NZ":
            made.append(city.id)
    assert len(made) == 25
    return made


async def nz(window: Window) -> tuple[list[int], bool, bool, int]:
    page = await cities.search(window=window, country_code="NZ")
    return ids(page.items), page.has_next, page.has_previous, await page.count()


async def test_forward_pages_walk_every_item_once(many: list[int]) -> None:
    seen: list[int] = []
    after = None
    flags = []
    while True:
        page = await cities.search(window=Window(first=10, after=after), country_code="NZ")
        seen += ids(page.items)
        flags.append((len(page.items), page.has_next, page.has_previous))
        assert await page.count() == 25  # totalCount ignores the cursor
        if not page.has_next:
            break
        after = page.cursor(page.items[-1])
    assert seen == many
    assert flags == [(10, True, False), (10, True, True), (5, False, True)]


async def test_backward_pages_walk_every_item_once(many: list[int]) -> None:
    seen: list[int] = []
    before = None
    flags = []
    while True:
        page = await cities.search(window=Window(last=10, before=before), country_code="NZ")
        seen = ids(page.items) + seen
        flags.append((len(page.items), page.has_next, page.has_previous))
        if not page.has_previous:
            break
        before = page.cursor(page.items[0])
    assert seen == many
    assert flags == [(10, False, True), (10, True, True), (5, True, False)]


async def test_default_page_size_is_twenty(many: list[int]) -> None:
    assert await nz(Window()) == (many[:20], True, False, 25)


async def test_first_exactly_the_rest_has_no_next_page(many: list[int]) -> None:
    cursor = encode_cursor(many[14])
    assert await nz(Window(first=10, after=cursor)) == (many[15:], False, True, 25)


async def test_after_the_last_item_is_empty(many: list[int]) -> None:
    assert await nz(Window(first=5, after=encode_cursor(many[-1]))) == ([], False, True, 25)


async def test_last_before_the_first_item_is_empty(many: list[int]) -> None:
    assert await nz(Window(last=5, before=encode_cursor(many[0]))) == ([], True, False, 25)


async def test_after_and_before_together_give_the_items_between(many: list[int]) -> None:
    window = Window(first=100, after=encode_cursor(many[2]), before=encode_cursor(many[7]))
    items, _, has_previous, _ = await nz(window)
    assert items == many[3:7]
    assert has_previous is True


async def test_first_zero_gives_no_items_but_tells_whether_there_are_any(many: list[int]) -> None:
    assert await nz(Window(first=0)) == ([], True, False, 25)
    page = await cities.search(window=Window(first=0), country_code="FR")
    assert (page.items, page.has_next, await page.count()) == ([], False, 0)


async def test_first_one_hundred_is_allowed(many: list[int]) -> None:
    assert await nz(Window(first=100)) == (many, False, False, 25)
    assert await nz(Window(last=100)) == (many, False, False, 25)


@pytest.mark.parametrize(
    ("window", "field"),
    [
        (Window(first=101), "first"),
        (Window(last=101), "last"),
        (Window(first=-1), "first"),
        (Window(last=-1), "last"),
        (Window(first=5, last=5), "last"),
        (Window(first=5, after="bm90LWEtY3Vyc29y"), "after"),
        (Window(last=5, before="%%%"), "before"),
        (Window(first=5, after=encode_cursor(1)[:-3] + "zzz"), "after"),
    ],
    ids=[
        "first over 100",
        "last over 100",
        "first negative",
        "last negative",
        "first and last",
        "bad after",
        "bad before",
        "damaged after",
    ],
)
@pytest.mark.parametrize("service", ["cities", "partnerships", "programs"])
async def test_bad_windows_are_refused_naming_the_field(
    db: str, window: Window, field: str, service: str
) -> None:
    search = {
        "cities": cities.search,
        "partnerships": partnerships.search,
        "programs": programs.search,
    }
    with pytest.raises(DomainError) as exc:
        await search[service](window=window)
    assert problems(exc) == {(ErrorCode.INVALID, field)}


async def test_a_cursor_stays_valid_after_its_item_is_deleted(many: list[int]) -> None:
    cursor = encode_cursor(many[4])
    await City.filter(id=many[4]).delete()
    assert await nz(Window(first=3, after=cursor)) == (many[5:8], True, True, 24)


async def test_partnership_and_program_pages_use_the_same_cursors(world: World) -> None:
    first = await partnerships.search(window=Window(first=2))
    assert ids(first.items) == [world.partnerships[k].id for k in ("bandung_bs", "surabaya_kk")]
    assert (first.has_next, first.has_previous) == (True, False)
    second = await partnerships.search(window=Window(first=2, after=first.cursor(first.items[-1])))
    assert ids(second.items) == [world.partnerships[k].id for k in ("medan_gj", "bandung_kk")]
    assert (second.has_next, second.has_previous, await second.count()) == (False, True, 4)
    last = await programs.search(window=Window(last=1), area=Area.EDUCATION)
    assert ids(last.items) == [world.programs["training"].id]
    assert (last.has_next, last.has_previous, await last.count()) == (False, True, 2)


@pytest.mark.parametrize("pk", [2**31, 2**63, 10**30, -(2**31) - 1])
@pytest.mark.parametrize("field", ["after", "before"])
async def test_a_cursor_beyond_the_key_range_is_refused_not_a_database_error(
    many: list[int], pk: int, field: str
) -> None:
    window = (
        Window(first=5, after=encode_cursor(pk))
        if field == "after"
        else Window(last=5, before=encode_cursor(pk))
    )
    with pytest.raises(DomainError) as exc:
        await cities.search(window=window)
    assert problems(exc) == {(ErrorCode.INVALID, field)}


async def test_cursors_at_the_ends_of_the_key_range_are_accepted(many: list[int]) -> None:
    assert await nz(Window(first=5, after=encode_cursor(2**31 - 1))) == ([], False, True, 25)
    assert await nz(Window(last=5, before=encode_cursor(2**31 - 1))) == (many[-5:], True, True, 25)
    assert await nz(Window(first=2, after=encode_cursor(-(2**31)))) == (many[:2], True, True, 25)
