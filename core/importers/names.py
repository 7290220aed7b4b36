"""Place names: a matching key blind to case, accents and punctuation; which alternates to keep."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable

# Spaces, dashes of every kind (U+2010..U+2015), apostrophes and other punctuation.
_SEPARATORS = re.compile("[\\s\\-\u2010-\u2015_/.,'\u2019`]+")
_QUALIFIER = re.compile(r"^(?P<name>.*?)\s*\((?P<qualifier>[^)]*)\)\s*$")

# GeoNames lists dozens of alternate names per city in every script. We keep the Latin-script ones
# that start with a capital letter (the lower-case Latin entries are machine romanisations of other
# scripts, such as "gwangjugwang-yeogsi"), drop airport codes, fold near-duplicates (Kōshū/Koshu)
# and cap the count: enough for officers to find a city by its usual spellings, small enough that
# 34,000 rows stay light and text search does not match on noise.
MAX_ALTERNATES = 24


_UNSPLIT = str.maketrans({"\u0131": "i", "\u00df": "ss", "\u00f8": "o", "\u0111": "d"})


def key(name: str) -> str:
    """The matching key: lower case, no accents, punctuation and dashes as single spaces."""
    if name.isascii():
        return _SEPARATORS.sub(" ", name.lower()).strip()
    # Letters that NFKD does not split into a base letter and an accent (dotless i, eszett...).
    text = name.translate(_UNSPLIT)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _SEPARATORS.sub(" ", text.casefold()).strip()


def split_qualifier(name: str) -> tuple[str, str]:
    """The name and its qualifier: ``"Gangbuk (Seoul)"`` and ``"Suzhou, Anhui"`` both have one."""
    name = " ".join(name.split())
    found = _QUALIFIER.match(name)
    if found and found["name"]:
        return found["name"], found["qualifier"].strip()
    head, sep, tail = name.partition(",")
    if sep and head.strip():
        return head.strip(), tail.strip()
    return name, ""


# Latin letters and their accents, IPA and modifier letters, general punctuation: anything else
# (Cyrillic, Arabic, CJK, Ethiopic...) makes a name non-Latin.
_NOT_LATIN = re.compile(r"[^\u0000-\u036f\u1e00-\u1eff\u2000-\u206f]")


def is_latin(text: str) -> bool:
    return _NOT_LATIN.search(text) is None and any(ch.isalpha() for ch in text)


def kept_alternates(
    name: str, alternates: Iterable[str], exclude: Collection[str] = ()
) -> list[str]:
    """The alternate names worth storing for a GeoNames city (see ``MAX_ALTERNATES``); names whose
    key is in ``exclude`` are dropped too."""
    seen = {key(name), *exclude}
    kept: list[str] = []
    for alternate in alternates:
        alternate = alternate.strip()
        if not alternate or len(alternate) > 200 or not alternate[0].isupper():
            continue
        if alternate.isupper() and len(alternate) <= 4:  # IATA/ICAO codes such as KWJ
            continue
        if not is_latin(alternate):
            continue
        folded = key(alternate)
        if folded in seen:
            continue
        seen.add(folded)
        kept.append(alternate)
        if len(kept) == MAX_ALTERNATES:
            break
    return kept
