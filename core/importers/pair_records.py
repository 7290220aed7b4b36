"""Twinning lists (CSV) → normalised pair records, for the importer and the partner suggestions.

Two shapes are read, told apart by their header:
- the Indonesian list (``indonesian_place,place_type,province,partner_place,partner_country,
  year_established,date_established,focus_areas,source,notes``): the first place is Indonesian;
- the worldwide list (``city1,country1,lat1,lng1,city2,country2,lat2,lng2``), with coordinates.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core.importers.country_names import country_code
from core.importers.names import split_qualifier

INDONESIA = "ID"
INDONESIAN_HEADER = frozenset({"indonesian_place", "partner_place", "partner_country"})
WORLDWIDE_HEADER = frozenset({"city1", "country1", "city2", "country2"})


@dataclass(frozen=True, slots=True)
class Place:
    raw: str  # as the list writes it: "Gangbuk (Seoul)"
    name: str  # without its qualifier: "Gangbuk"
    qualifier: str  # "Seoul"
    country: str  # as the list writes it
    country_code: str | None  # None when the country name is unknown
    latitude: float | None = None
    longitude: float | None = None
    place_type: str = ""  # Indonesian list only: "city", "province (DKI)", "regency"...
    province: str = ""  # Indonesian list only: "Jawa Barat"


@dataclass(frozen=True, slots=True)
class PairRecord:
    line: int  # in the file, header = line 1
    first: Place
    second: Place
    year: int | None = None
    established_on: date | None = None
    focus_areas: str = ""
    source: str = ""
    notes: str = ""

    def __str__(self) -> str:
        first, second = self.first, self.second
        return f"{first.raw} ({first.country}) / {second.raw} ({second.country})"

    def oriented(self) -> tuple[Place, Place] | None:
        """(Indonesian place, foreign place), or None unless exactly one place is in Indonesia."""
        first_id = self.first.country_code == INDONESIA
        second_id = self.second.country_code == INDONESIA
        if first_id == second_id:
            return None
        return (self.first, self.second) if first_id else (self.second, self.first)


def iter_pairs(path: str | Path) -> Iterator[PairRecord]:
    """Every pair in a twinning list of either shape, in file order."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = {name.strip() for name in reader.fieldnames or ()}
        if INDONESIAN_HEADER <= header:
            parse = _indonesian
        elif WORLDWIDE_HEADER <= header:
            parse = _worldwide
        else:
            raise ValueError(f"{path}: not a known twinning list (header: {sorted(header)})")
        for line, row in enumerate(reader, 2):
            yield parse(line, {k.strip(): (v or "").strip() for k, v in row.items() if k})


def _indonesian(line: int, row: dict[str, str]) -> PairRecord:
    return PairRecord(
        line=line,
        first=_place(
            row["indonesian_place"],
            "Indonesia",
            place_type=row.get("place_type", ""),
            province=row.get("province", ""),
        ),
        second=_place(row["partner_place"], row["partner_country"]),
        year=_year(row.get("year_established", "")),
        established_on=_date(row.get("date_established", "")),
        focus_areas=row.get("focus_areas", ""),
        source=row.get("source", ""),
        notes=row.get("notes", ""),
    )


def _worldwide(line: int, row: dict[str, str]) -> PairRecord:
    return PairRecord(
        line=line,
        first=_place(row["city1"], row["country1"], row.get("lat1"), row.get("lng1")),
        second=_place(row["city2"], row["country2"], row.get("lat2"), row.get("lng2")),
    )


def _place(
    raw: str,
    country: str,
    latitude: str | None = None,
    longitude: str | None = None,
    **extra: str,
) -> Place:
    name, qualifier = split_qualifier(raw)
    code = country_code(country) if country else None
    if code is None and not country:
        # Some rows carry the country in the place ("Varna, Bulgaria", "Falkland Islands").
        code = country_code(qualifier) if qualifier else country_code(raw)
    lat, lng = _number(latitude), _number(longitude)
    if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        lat = lng = None
    return Place(raw, name, qualifier, country, code, lat, lng, **extra)


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None


def _year(text: str) -> int | None:
    return int(text) if text.isdigit() and 1000 <= int(text) <= 9999 else None


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
