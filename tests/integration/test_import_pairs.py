"""`kembar import-pairs`: twinning lists of both shapes → partnerships, idempotently."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from core.enums import Area, PartnershipKind, RegionLevel
from core.importers.geonames import import_cities
from core.importers.pairs import import_pairs, iter_pairs
from core.models import City, OutboxEvent, Partnership, PartnershipArea, StageChange
from core.stages import Stage
from tests.integration.test_import_cities import empty_tables_quickly

__all__ = ["empty_tables_quickly"]  # the fixture, used by every test here (autouse)

DATA = Path("/work/shared/data")
INDONESIAN_LIST = DATA / "indonesia_sister_cities.csv"
WORLDWIDE_LIST = DATA / "twin_cities_geocoded.csv"
GWANGJU_METROPOLITAN, GWANGJU_GYEONGGI = 1841811, 1841810

INDONESIAN_HEADER = (
    "indonesian_place,place_type,province,partner_place,partner_country,year_established,"
    "date_established,focus_areas,source,notes\n"
)
WORLDWIDE_HEADER = "city1,country1,lat1,lng1,city2,country2,lat2,lng2\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def _partner_of(home: str, level: RegionLevel = RegionLevel.CITY) -> list[City]:
    region = await City.get(name=home, country_id="ID", level=level)
    ids = await Partnership.filter(indonesian_region_id=region.id).values_list(
        "foreign_region_id", flat=True
    )
    return list(await City.filter(id__in=list(ids)))


needs_real_data = pytest.mark.skipif(
    not INDONESIAN_LIST.exists() or not WORLDWIDE_LIST.exists(), reason="shared data missing"
)


@needs_real_data
async def test_the_real_indonesian_list(db: str) -> None:
    countries = {
        code for r in iter_pairs(INDONESIAN_LIST) for code in (r.second.country_code,) if code
    }
    await import_cities(countries=countries | {"ID"})

    result = await import_pairs(INDONESIAN_LIST)

    assert (result.rows, result.added, result.present, result.not_indonesian) == (111, 107, 0, 0)
    assert [(u.line, u.reason.split(":")[0]) for u in result.unmatched] == [
        (40, "no Indonesian city or regency named 'Kota Tua' in DKI Jakarta"),
        (41, "no Indonesian city or regency named 'Nusantara'"),
        (95, "no Indonesian city or regency named 'Siak' in Riau"),
        (104, "ambiguous"),  # "Suzhou, Anhui" without coordinates
    ]
    assert result.cities_created == 13
    assert await Partnership.all().count() == 107
    assert await StageChange.all().count() == 107  # one proposal each, through the service
    assert await OutboxEvent.filter(type__icontains="proposed").count() == 107
    assert await Partnership.exclude(stage=Stage.IDENTIFICATION).count() == 0

    (gwangju,) = [c for c in await _partner_of("Medan") if c.country_id == "KR"]
    assert gwangju.geonames_id == GWANGJU_METROPOLITAN

    (kyoto,) = await _partner_of("Daerah Istimewa Yogyakarta", RegionLevel.PROVINCE)
    assert (kyoto.name, kyoto.level, kyoto.country_id) == (
        "Kyoto Prefecture",
        RegionLevel.PROVINCE,
        "JP",
    )
    diy_kyoto = await Partnership.get(foreign_region_id=kyoto.id)
    assert diy_kyoto.kind is PartnershipKind.SISTER_PROVINCE
    assert diy_kyoto.established_on == date(1985, 7, 16)
    seoul = await City.get(geonames_id=1835848)
    jakarta_seoul = await Partnership.get(foreign_region_id=seoul.id)
    assert (await City.get(id=jakarta_seoul.indonesian_region_id)).name == "DKI Jakarta"
    assert jakarta_seoul.established_on is None  # only the year is known...
    assert "1984" in jakarta_seoul.description  # ...and kept in the description
    areas = await PartnershipArea.filter(partnership_id=jakarta_seoul.id).values_list(
        "area", flat=True
    )
    assert Area.CULTURE in areas and Area.HUMAN_RESOURCES in areas

    again = await import_pairs(INDONESIAN_LIST)
    assert (again.added, again.present, again.cities_created, len(again.unmatched)) == (
        0,
        107,
        0,
        4,
    )
    assert await Partnership.all().count() == 107


@needs_real_data
async def test_the_real_worldwide_list(db: str, backend: str) -> None:
    await import_cities()
    started = time.perf_counter()
    result = await import_pairs(WORLDWIDE_LIST)
    seconds = time.perf_counter() - started

    assert (result.rows, result.not_indonesian) == (25_917, 25_823)
    # 91 Indonesian pairs with a region on both sides; one is listed twice in the file.
    assert result.added == 90 and result.present == 1
    assert sorted(u.line for u in result.unmatched) == [14541, 14544, 16917]
    assert seconds < 30, f"{backend}: {seconds:.1f} s"
    padang_partners = {(c.name, c.geonames_id) for c in await _partner_of("Padang")}
    assert ("Suzhou", 1793743) in padang_partners  # Anhui's, chosen by its coordinates
    again = await import_pairs(WORLDWIDE_LIST)
    assert (again.added, again.present) == (0, 91)
    assert await Partnership.all().count() == 90


async def test_small_lists_of_both_shapes(db: str, tmp_path: Path) -> None:
    await import_cities(countries={"ID", "KR", "JP", "AU", "AL", "TR"})
    indonesian = _write(
        tmp_path,
        "indonesian.csv",
        INDONESIAN_HEADER
        + 'Medan,city,Sumatera Utara,Gwangju,South Korea,,,"industry, trade; student exchange",s,\n'
        + "Yogyakarta (DIY province),province (DI Yogyakarta),DI Yogyakarta,Kyoto Prefecture,"
        'Japan,1985,1985-07-16,"culture, education",s,\n'
        + "Bandung,city,Jawa Barat,Atlantis,Nowhere,,,,s,\n"
        + "Kota Tua (Jakarta),district (old town),DKI Jakarta,Malacca City,Malaysia,,,,s,\n",
    )
    result = await import_pairs(indonesian)
    assert (result.rows, result.added, result.cities_created) == (4, 2, 1)
    assert {u.line: u.reason for u in result.unmatched} == {
        4: "unknown country 'Nowhere'",
        5: "no Indonesian city or regency named 'Kota Tua' in DKI Jakarta",
    }
    (gwangju,) = await _partner_of("Medan")
    assert gwangju.geonames_id == GWANGJU_METROPOLITAN
    medan_gwangju = await Partnership.get(foreign_region_id=gwangju.id)
    assert medan_gwangju.kind is PartnershipKind.SISTER_CITY
    areas = set(
        await PartnershipArea.filter(partnership_id=medan_gwangju.id).values_list("area", flat=True)
    )
    assert areas == {Area.ECONOMY, Area.EDUCATION}
    kyoto = await City.get(name="Kyoto Prefecture")
    assert kyoto.level is RegionLevel.PROVINCE

    worldwide = _write(
        tmp_path,
        "worldwide.csv",
        WORLDWIDE_HEADER
        + "Berat,Albania,40.7022,19.9583,Amasya,Turkey,40.65,35.8331\n"
        + "Gwangju,South Korea,37.41,127.257,Bogor,Indonesia,-6.59,106.79\n"
        + "Kupang,Indonesia,-10.17,123.6,Palmerston,Australia,-35.19,149.11\n"
        + "Medan,Indonesia,3.58,98.67,Gwangju,South Korea,35.15,126.91\n"
        + "Jakarta,Indonesia,-6.2,106.8,Kyoto Prefecture,Japan,35.0,135.7\n",
    )
    records = list(iter_pairs(worldwide))
    assert [r.oriented() is None for r in records] == [True, False, False, False, False]
    assert records[1].first.country_code == "KR" and records[1].first.latitude == 37.41

    result = await import_pairs(worldwide)
    assert (result.not_indonesian, result.added, result.present) == (1, 3, 1)
    assert result.unmatched == []
    (bogor_partner,) = await _partner_of("Bogor")
    assert bogor_partner.geonames_id == GWANGJU_GYEONGGI  # the coordinates say Gyeonggi's
    (palmerston,) = await _partner_of("Kupang")
    assert palmerston.geonames_id is not None  # a wrong geocode does not make a duplicate
    dki = await City.get(name="DKI Jakarta", level=RegionLevel.PROVINCE)
    jakarta_kyoto = await Partnership.get(indonesian_region_id=dki.id, foreign_region_id=kyoto.id)
    assert jakarta_kyoto.kind is PartnershipKind.SISTER_PROVINCE  # a province's name wins


async def test_an_unknown_shape_is_refused(db: str, tmp_path: Path) -> None:
    path = _write(tmp_path, "other.csv", "a,b,c\n1,2,3\n")
    with pytest.raises(ValueError, match="not a known twinning list"):
        await import_pairs(path)
