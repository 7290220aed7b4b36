"""`kembar seed-demo`: the article's five partnerships, at their stages, with their programs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.demo import seed_demo
from core.enums import PartnershipKind, RegionLevel
from core.importers.geonames import import_cities
from core.importers.pairs import import_pairs
from core.models import Activity, City, Document, OutboxEvent, Partnership, Program
from core.stages import Stage, Status
from tests.integration.test_import_cities import empty_tables_quickly

__all__ = ["empty_tables_quickly"]  # the fixture, used by every test here (autouse)

INDONESIAN_LIST = Path("/work/shared/data/indonesia_sister_cities.csv")

# (Indonesian region, partner's GeoNames id or name): stage, kind, programs, established_on
EXPECTED = {
    ("DKI Jakarta", "Seoul"): (Stage.IMPLEMENTATION, PartnershipKind.SISTER_CITY, 2, None),
    ("Bandung", "Braunschweig"): (
        Stage.IMPLEMENTATION,
        PartnershipKind.SISTER_CITY,
        2,
        date(1960, 5, 24),
    ),
    ("Daerah Istimewa Yogyakarta", "Kyoto Prefecture"): (
        Stage.IMPLEMENTATION,
        PartnershipKind.SISTER_PROVINCE,
        2,
        date(1985, 7, 16),
    ),
    ("Surabaya", "Kitakyushu"): (Stage.EVALUATION, PartnershipKind.SISTER_CITY, 2, None),
    ("Medan", "Gwangju"): (Stage.NEGOTIATION, PartnershipKind.SISTER_CITY, 1, None),
}


async def _pairs() -> dict[tuple[str, str], Partnership]:
    found = {}
    for p in await Partnership.all():
        home = await City.get(id=p.indonesian_region_id)
        away = await City.get(id=p.foreign_region_id)
        found[(home.name, away.name)] = p
    return found


async def test_seeds_the_five_partnerships_once(db: str) -> None:
    assert await seed_demo() is True
    counts = [await m.all().count() for m in (City, Partnership, Program, Activity, OutboxEvent)]

    assert await seed_demo() is False
    assert [await m.all().count() for m in (City, Partnership, Program, Activity)] == counts[:4]
    assert await OutboxEvent.all().count() == counts[4]

    pairs = await _pairs()
    assert set(pairs) == set(EXPECTED)
    for pair, (stage, kind, program_count, established_on) in EXPECTED.items():
        p = pairs[pair]
        assert (p.stage, p.kind, p.established_on) == (stage, kind, established_on), pair
        expected_status = Status.IN_PREPARATION if stage is Stage.NEGOTIATION else Status.ACTIVE
        assert p.status is expected_status, pair
        programs = await Program.filter(partnership_id=p.id)
        assert len(programs) == program_count, pair
        assert all(pr.budget and pr.budget > 0 and pr.currency == "IDR" for pr in programs)
        assert all(pr.funding_source and pr.lead_agency for pr in programs)
        activities = await Activity.filter(program_id__in=[pr.id for pr in programs])
        assert activities and all(a.participants > 0 for a in activities), pair
        if p.status is Status.ACTIVE:
            assert p.valid_until is not None and p.valid_until > date(2026, 11, 29)

    medan_gwangju = pairs[("Medan", "Gwangju")]
    gwangju = await City.get(id=medan_gwangju.foreign_region_id)
    assert gwangju.geonames_id == 1841811 and gwangju.population == 1_401_235
    surabaya = pairs[("Surabaya", "Kitakyushu")]
    assert await Document.filter(partnership_id=surabaya.id, type="evaluation_report").exists()
    kyoto = await City.get(name="Kyoto Prefecture")
    assert (kyoto.level, kyoto.country_id) == (RegionLevel.PROVINCE, "JP")
    diy = await City.get(name="Daerah Istimewa Yogyakarta")
    assert diy.level is RegionLevel.PROVINCE and diy.country_id == "ID"
    bandung = await City.get(geonames_id=1650357)
    assert (await City.get(id=bandung.parent_id)).name == "Jawa Barat"


@pytest.mark.skipif(not INDONESIAN_LIST.exists(), reason="shared data missing")
async def test_later_imports_match_the_demo_regions(db: str) -> None:
    await seed_demo()
    cities_before = await City.all().count()

    result = await import_cities(countries={"ID", "KR", "DE", "JP"})
    assert result.present == 9  # the demo's GeoNames cities, matched by id
    assert await City.filter(level=RegionLevel.PROVINCE, country_id="ID").count() == 38
    added = result.added + result.provinces_added
    assert await City.all().count() == cities_before + added

    await import_cities()
    pairs = await import_pairs(INDONESIAN_LIST)
    assert pairs.present == 5  # the demo partnerships are the list's pairs, not duplicates
    assert pairs.added == 102
    assert await City.filter(name="Kyoto Prefecture").count() == 1
