"""Import twinning pairs as partnerships (in identification), idempotently.

Each pair with exactly one Indonesian place becomes a partnership through
``core.services.partnerships.propose`` (so its history and outbox event are written). A pair whose
two regions already have a live partnership is left alone, so a re-run adds nothing. Pairs without
an Indonesian side cannot be partnerships; they are counted, and ``iter_pairs`` reads them for
other uses (partner suggestions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core import clock
from core.enums import PartnershipKind, RegionLevel
from core.importers.areas import areas
from core.importers.gazetteer import LOCAL_LEVELS, PROVINCE_LEVELS, Gazetteer, Region, pick
from core.importers.pair_records import INDONESIA, PairRecord, Place, iter_pairs
from core.importers.regions import find_or_create_foreign
from core.models import Partnership
from core.services import partnerships
from core.stages import LIVE_STATUSES

__all__ = ["PairImport", "Unmatched", "import_pairs", "iter_pairs"]

Progress = Callable[[int, int], None]  # (rows done, rows in all)


@dataclass(frozen=True, slots=True)
class Unmatched:
    line: int
    pair: str
    reason: str


@dataclass(slots=True)
class PairImport:
    """What one run did."""

    rows: int = 0
    added: int = 0  # new partnerships
    present: int = 0  # the two regions already have a live partnership
    not_indonesian: int = 0  # neither place (or both) in Indonesia: cannot be a partnership
    cities_created: int = 0  # foreign places that were not in the City table
    unmatched: list[Unmatched] = field(default_factory=list)


async def import_pairs(
    path: str | Path, *, actor: str | None = None, progress: Progress | None = None
) -> PairImport:
    """Import every pair of a twinning list (either shape, see ``pair_records``)."""
    path = Path(path)
    actor = actor or f"import:{path.name}"
    records = list(iter_pairs(path))
    result = PairImport(rows=len(records))
    indonesian_pairs = [(r, sides) for r in records if (sides := r.oriented()) is not None]
    result.not_indonesian = len(records) - len(indonesian_pairs)
    countries = {INDONESIA} | {f.country_code for _, (_, f) in indonesian_pairs if f.country_code}
    gazetteer = await Gazetteer.load(countries)
    live = set(
        await Partnership.filter(status__in=list(LIVE_STATUSES)).values_list(
            "indonesian_region_id", "foreign_region_id"
        )
    )
    done = 0
    for record in records:
        done += 1
        sides = record.oriented()
        if sides is not None:
            await _import_one(record, sides, gazetteer, live, actor, result)
        if progress is not None and (done % 500 == 0 or done == len(records)):
            progress(done, len(records))
    return result


async def _import_one(
    record: PairRecord,
    sides: tuple[Place, Place],
    gazetteer: Gazetteer,
    live: set[tuple[int, int]],
    actor: str,
    result: PairImport,
) -> None:
    place, partner = sides
    home = _indonesian_region(place, gazetteer)
    if isinstance(home, str):
        result.unmatched.append(Unmatched(record.line, str(record), home))
        return
    if partner.country_code is None:
        reason = f"unknown country {partner.country!r}"
        result.unmatched.append(Unmatched(record.line, str(record), reason))
        return
    away, created = await find_or_create_foreign(partner, gazetteer)
    if isinstance(away, str):
        result.unmatched.append(Unmatched(record.line, str(record), away))
        return
    result.cities_created += created
    if (home.id, away.id) in live:
        result.present += 1
        return
    both_provinces = home.level is RegionLevel.PROVINCE and away.level is RegionLevel.PROVINCE
    established = record.established_on
    await partnerships.propose(
        indonesian_region_id=home.id,
        foreign_region_id=away.id,
        kind=PartnershipKind.SISTER_PROVINCE if both_provinces else PartnershipKind.SISTER_CITY,
        areas=areas(record.focus_areas),
        description=_description(record),
        established_on=established if established and established <= clock.today() else None,
        actor=actor,
    )
    live.add((home.id, away.id))
    result.added += 1


def _indonesian_region(place: Place, gazetteer: Gazetteer) -> Region | str:
    """The Indonesian region a list means, or why there is none.

    The Indonesian list says whether a place is a province; the worldwide list does not, and there
    a province's name wins: a twinning listed as "Jakarta" or "East Java" is the province's
    (Jakarta has no autonomous city government below DKI Jakarta).
    """
    province = None
    if place.province:
        hint = place.province.split("(")[0].strip()
        province = pick(gazetteer.find(hint, INDONESIA, PROVINCE_LEVELS), None, None)
    kind = place.place_type.lower()
    if kind.startswith("province"):
        found = province or pick(gazetteer.find(place.name, INDONESIA, PROVINCE_LEVELS), None, None)
        return found or f"no Indonesian province named {place.province or place.name!r}"
    if not kind:
        found = pick(gazetteer.find(place.name, INDONESIA, PROVINCE_LEVELS), None, None)
        if found is not None:
            return found
    candidates = gazetteer.find(
        place.name, INDONESIA, LOCAL_LEVELS, province.id if province is not None else None
    )
    found = pick(candidates, place.latitude, place.longitude)
    if found is None:
        where = f" in {province.name}" if province is not None else ""
        return f"no Indonesian city or regency named {place.name!r}{where}"
    return found


def _description(record: PairRecord) -> str:
    lines = []
    if record.year is not None:
        lines.append(f"Established {record.established_on or record.year}.")
    if record.focus_areas:
        lines.append(f"Focus: {record.focus_areas}.")
    if record.notes:
        lines.append(f"Notes: {record.notes}")
    if record.source:
        lines.append(f"Source: {record.source}")
    return "\n".join(lines)
