"""Portfolio statistics (core.services.statistics) against a hand-built world: every figure is
counted by hand below, for the whole country, a province (with the regions inside it), a city,
and what anonymous callers may read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from tortoise import connections

from core import policy
from core.enums import Area, Direction, DocumentType, FundingSource, ProgramStatus, ProgramType
from core.enums import RegionLevel as Level
from core.errors import DomainError, ErrorCode
from core.models import City, Partnership
from core.months import shift_months
from core.services import partnerships, programs, statistics
from core.services.statistics import CountryCount, ProgramTotals, YearParticipants
from core.stages import Stage
from tests import factories
from tests.factories import ACTOR

TODAY = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def today() -> Iterator[date]:
    with factories.frozen(TODAY):
        yield TODAY


@dataclass
class World:
    jabar: City
    bandung: City
    bogor: City
    surabaya: City
    kyoto: City
    p_bandung: Partnership
    p_bogor: Partnership
    p_surabaya: Partnership
    p_jabar: Partnership


async def program(p: Partnership, area: Area, **values: object) -> int:
    row = await programs.create_program(
        partnership_id=p.id, title=f"{area.value} program", area=area,
        type=ProgramType.OTHER, actor=ACTOR, **values,  # type: ignore[arg-type]
    )  # fmt: skip
    return row.id


async def activity(program_id: int, on: date, direction: Direction, people: int) -> None:
    await programs.record_activity(
        program_id=program_id, occurred_on=on, direction=direction, participants=people,
        actor=ACTOR,
    )  # fmt: skip


async def build() -> World:
    jabar = await factories.region("Jawa Barat", level=Level.PROVINCE)
    jatim = await factories.region("Jawa Timur", level=Level.PROVINCE)
    bandung = await factories.region("Kota Bandung", parent_id=jabar.id)
    bogor = await factories.region("Kabupaten Bogor", level=Level.REGENCY, parent_id=jabar.id)
    village = await factories.region("Kota Bogor Tengah", parent_id=bogor.id)  # two levels down
    surabaya = await factories.region("Kota Surabaya", parent_id=jatim.id)
    kyoto = await factories.region("Kyoto Prefecture", "JP", Level.PROVINCE)
    braunschweig = await factories.region("Braunschweig", "DE")
    kitakyushu = await factories.region("Kitakyushu", "JP")
    seoul = await factories.region("Seoul", "KR")
    gyeonggi = await factories.region("Gyeonggi", "KR", Level.PROVINCE)

    # Bandung - Braunschweig: signed 2025, far end; education + culture; dormant
    p_bandung = await factories.propose(bandung, braunschweig, areas=[Area.EDUCATION, Area.CULTURE])
    p_bandung = await factories.walk(p_bandung, Stage.IMPLEMENTATION, valid_until=date(2031, 1, 1),
                                     signed_on=date(2025, 1, 10))  # fmt: skip
    await Partnership.filter(id=p_bandung.id).update(dormant_since=factories.clock.now())
    education = await program(p_bandung, Area.EDUCATION, budget=Decimal("100.50"),
                              funding_source=FundingSource.APBD)  # fmt: skip
    await program(p_bandung, Area.CULTURE, budget=Decimal("50"), currency="EUR",
                  funding_source=FundingSource.PARTNER)  # fmt: skip
    await program(p_bandung, Area.CULTURE, budget=Decimal("999"), status=ProgramStatus.CANCELLED)
    await activity(education, date(2025, 5, 1), Direction.INBOUND, 10)
    await activity(education, date(2026, 2, 1), Direction.OUTBOUND, 4)
    await activity(education, date(2026, 3, 1), Direction.OUTBOUND, 2)

    # Kota Bogor Tengah (inside Bogor, inside Jawa Barat) - Kyoto: identification, economy
    p_bogor = await factories.propose(village, kyoto, areas=[Area.ECONOMY])

    # Surabaya - Kitakyushu: signed 2024, ends within six months; environment
    p_surabaya = await factories.propose(surabaya, kitakyushu, areas=[Area.ENVIRONMENT])
    p_surabaya = await factories.walk(p_surabaya, Stage.IMPLEMENTATION,
                                      valid_until=shift_months(TODAY, 6),
                                      signed_on=date(2024, 3, 1))  # fmt: skip
    waste = await program(p_surabaya, Area.ENVIRONMENT, budget=Decimal("300"),
                          funding_source=FundingSource.APBD)  # fmt: skip
    await program(p_surabaya, Area.ENVIRONMENT)  # no budget, no funding source
    await activity(waste, date(2026, 3, 1), Direction.INBOUND, 7)

    # Jawa Barat - Gyeonggi: abandoned in exploration; Jawa Barat - Seoul: a live one in
    # identification, proposed after (a second partnership of the province)
    p_jabar = await factories.propose(jabar, gyeonggi, areas=[Area.GOVERNMENT, Area.EDUCATION])
    await factories.document(p_jabar, DocumentType.OFFER_LETTER)
    p_jabar = await factories.advance(p_jabar, Stage.EXPLORATION)
    p_jabar = await partnerships.abandon(
        partnership_id=p_jabar.id, expected_version=p_jabar.version, reason="no budget", actor=ACTOR
    )
    await factories.propose(jabar, seoul, areas=[Area.TOURISM])
    return World(jabar, bandung, bogor, surabaya, kyoto, p_bandung, p_bogor, p_surabaya, p_jabar)


async def test_the_whole_country(db: str) -> None:
    await build()
    s = await statistics.portfolio(region_id=None, today=TODAY)
    assert s.partnerships == 5
    assert s.by_stage == {"exploration": 1, "identification": 2, "implementation": 2}
    assert s.by_status == {"abandoned": 1, "active": 2, "in_preparation": 2}
    assert s.by_country == [
        CountryCount("JP", "Japan", 2), CountryCount("KR", "South Korea", 2),
        CountryCount("DE", "Germany", 1),
    ]  # fmt: skip
    assert s.by_area == {"culture": 1, "economy": 1, "education": 2, "environment": 1,
                         "government": 1, "tourism": 1}  # fmt: skip
    assert s.by_signed_year == {2024: 1, 2025: 1}
    assert s.programs == 4  # the cancelled one left out
    assert s.programs_by_area == [
        ProgramTotals("culture", 1, {"EUR": Decimal("50.00")}),
        ProgramTotals("education", 1, {"IDR": Decimal("100.50")}),
        ProgramTotals("environment", 2, {"IDR": Decimal("300.00")}),
    ]
    assert s.programs_by_funding_source == [
        ProgramTotals("apbd", 2, {"IDR": Decimal("400.50")}),
        ProgramTotals("partner", 1, {"EUR": Decimal("50.00")}),
        ProgramTotals(None, 1, {}),
    ]
    assert s.participants_by_year == [
        YearParticipants(2025, activities=1, inbound=10, outbound=0),
        YearParticipants(2026, activities=3, inbound=7, outbound=6),
    ]
    assert (s.dormant, s.expiring_within_6_months) == (1, 1)


async def test_a_province_counts_the_regions_inside_it(db: str) -> None:
    w = await build()
    s = await statistics.portfolio(region_id=w.jabar.id, today=TODAY)
    assert s.partnerships == 4  # Bandung's, Bogor Tengah's (two levels down), the province's two
    assert s.by_status == {"abandoned": 1, "active": 1, "in_preparation": 2}
    assert [c.code for c in s.by_country] == ["KR", "DE", "JP"]
    assert s.by_signed_year == {2025: 1}
    assert s.programs == 2
    assert [(y.year, y.inbound, y.outbound) for y in s.participants_by_year] == [
        (2025, 10, 0), (2026, 0, 6)
    ]  # fmt: skip
    assert (s.dormant, s.expiring_within_6_months) == (1, 0)

    city = await statistics.portfolio(region_id=w.bandung.id, today=TODAY)
    assert (city.partnerships, city.by_stage) == (1, {"implementation": 1})
    assert city.by_area == {"culture": 1, "education": 1}

    surabaya = await statistics.portfolio(region_id=w.surabaya.id, today=TODAY)
    assert (surabaya.partnerships, surabaya.dormant, surabaya.expiring_within_6_months) == (1, 0, 1)
    foreign = await statistics.portfolio(region_id=w.kyoto.id, today=TODAY)  # either side
    assert (foreign.partnerships, foreign.by_stage) == (1, {"identification": 1})


async def test_what_anonymous_callers_read(db: str) -> None:
    w = await build()
    s = await statistics.portfolio(
        region_id=w.jabar.id, today=TODAY, statuses=policy.readable_statuses(policy.ANONYMOUS)
    )
    assert (s.partnerships, s.by_status, s.by_area) == (
        1, {"active": 1}, {"culture": 1, "education": 1}
    )  # fmt: skip


async def test_expiring_counts_six_months_ahead_and_not_the_past(db: str) -> None:
    await build()
    later = await statistics.portfolio(region_id=None, today=TODAY + timedelta(days=1))
    assert later.expiring_within_6_months == 1
    past_end = shift_months(TODAY, 6) + timedelta(days=1)
    for day in (past_end, shift_months(TODAY, -1)):
        assert (await statistics.portfolio(region_id=None, today=day)).expiring_within_6_months == 0


async def test_an_empty_portfolio_and_an_unknown_region(db: str) -> None:
    s = await statistics.portfolio(region_id=None, today=TODAY)
    assert (s.partnerships, s.programs, s.by_stage, s.participants_by_year) == (0, 0, {}, [])
    with pytest.raises(DomainError) as refused:
        await statistics.portfolio(region_id=987654, today=TODAY)
    assert [(p.code, p.field) for p in refused.value.problems] == [
        (ErrorCode.NOT_FOUND, "regionId")
    ]


@pytest.mark.postgres
async def test_years_do_not_depend_on_the_date_style(db: str) -> None:
    """Years are read as years, not cut out of a date's text (which follows DateStyle: with
    'SQL, DMY' it is '31/01/2025')."""
    await build()
    expected = await statistics.portfolio(region_id=None, today=TODAY)
    name = db.rsplit("/", 1)[1].split("?")[0]
    conn = connections.get("default")
    await conn.execute_script(f"ALTER DATABASE \"{name}\" SET DateStyle = 'SQL, DMY'")
    await conn.close()  # new sessions take the database's setting
    try:
        assert (await conn.execute_query_dict("SHOW DateStyle"))[0]["DateStyle"] == "SQL, DMY"
        found = await statistics.portfolio(region_id=None, today=TODAY)
    finally:
        await conn.execute_script(f'ALTER DATABASE "{name}" RESET DateStyle')
        await conn.close()
    assert found == expected
    assert found.by_signed_year == {2024: 1, 2025: 1}
    assert [y.year for y in found.participants_by_year] == [2025, 2026]
