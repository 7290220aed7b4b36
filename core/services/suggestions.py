"""Partner suggestions: the foreign cities that suit an Indonesian region, with their reasons."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.enums import Area
from core.errors import DomainError, ErrorCode
from core.models import City, Country
from core.services.cities import is_country_code
from core.stages import Status
from core.suggestions import index as city_index
from core.suggestions import network, scoring
from core.suggestions.scoring import Factor, Place

INDONESIA = "ID"
MAX_FIRST = 50


@dataclass(frozen=True, slots=True)
class Suggestion:
    city: City
    score: float  # the weighted sum of the factors, in [0, 1]
    factors: list[Factor]

    def reasons(self, *, indonesian: bool) -> list[str]:
        """The reasons of the factors that count, the strongest first."""
        counted = sorted((f for f in self.factors if f.score > 0), key=lambda f: -f.contribution)
        return [f.reason_id if indonesian else f.reason_en for f in counted]


async def suggest(
    *,
    region_id: int,
    areas: list[Area] | None = None,
    countries: list[str] | None = None,
    first: int = 10,
    statuses: frozenset[Status] | None = None,
) -> list[Suggestion]:
    """The ``first`` foreign cities best suited to the Indonesian region, best first.

    ``areas``: the areas of interest (default: those of the region's own partnerships);
    ``countries``: only cities in these; ``statuses``: the partnership statuses the caller may
    read (None: all), the only partnerships whose areas and links count.
    """
    if not 1 <= first <= MAX_FIRST:
        raise DomainError.one(
            ErrorCode.INVALID, f"first must be between 1 and {MAX_FIRST}", "first"
        )
    codes = await _countries(countries or [])
    relations = dict(await Country.all().values_list("code", "diplomatic_relations"))
    unknown = sorted(set(codes) - set(relations))
    if unknown:
        raise DomainError.one(
            ErrorCode.NOT_FOUND, f"no country with code {', '.join(unknown)}", "countries"
        )
    idx = await city_index.current()
    region = idx.position.get(region_id)
    if region is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such region", "regionId")
    if idx.countries[region] != INDONESIA:
        raise DomainError.one(
            ErrorCode.INVALID, "regionId must be an Indonesian region", "regionId"
        )
    usable = idx.status != Status.ABANDONED.value
    if statuses is not None:
        usable &= np.isin(idx.status, [s.value for s in statuses])
    mine = usable & (idx.home == region)
    wanted = (
        scoring.area_mask(areas) if areas else int(np.bitwise_or.reduce(idx.areas[mine], initial=0))
    )
    offered = np.zeros(len(idx.ids), dtype=np.int64)
    np.bitwise_or.at(offered, idx.away[usable], idx.areas[usable])
    links = network.build(idx, region, usable)
    scores = {
        "population": scoring.population_scores(idx.log_population[region], idx.log_population),
        "climate": scoring.climate_scores(idx.latitude[region], idx.latitude),
        "coast": scoring.coast_scores(int(idx.coast[region]), idx.coast),
        "areas": scoring.area_scores(wanted, offered),
        "network": links.scores,
    }
    total = scoring.total(scores)
    candidates = _candidates(idx, region, codes, relations)
    ranked = _best(total, candidates, idx.ids, first)
    rows = {c.id: c for c in await City.filter(id__in=[int(idx.ids[p]) for p in ranked])}
    home = _place(idx, region)
    found = []
    for p in ranked:
        city = rows.get(int(idx.ids[p]))
        if city is None:  # deleted since the index was built
            continue
        away = _place(idx, p)
        factors = [
            scoring.population_factor(scores["population"][p], away, home),
            scoring.climate_factor(scores["climate"][p], away, home),
            scoring.coast_factor(scores["coast"][p], away, home),
            scoring.areas_factor(scores["areas"][p], wanted, int(offered[p])),
            scoring.network_factor(scores["network"][p], links.link(p)),
        ]
        found.append(Suggestion(city=city, score=round(float(total[p]), 4), factors=factors))
    return found


async def _countries(given: list[str]) -> list[str]:
    codes = []
    for raw in given:
        code = raw.strip().upper()
        if not is_country_code(code):
            raise DomainError.one(
                ErrorCode.INVALID, f"countries: {raw!r} is not a two-letter ISO code", "countries"
            )
        if code == INDONESIA:
            raise DomainError.one(
                ErrorCode.INVALID, "countries: partners are foreign; ID cannot be one", "countries"
            )
        codes.append(code)
    return codes


def _candidates(
    idx: city_index.Index, region: int, codes: list[str], relations: dict[str, bool]
) -> np.ndarray:
    """Foreign cities of countries with diplomatic relations (and of ``codes``, if given), not
    already partners of the region in any partnership, live or past."""
    without = [code for code, related in relations.items() if not related]
    mask = (idx.countries != INDONESIA) & ~np.isin(idx.countries, without)
    if codes:
        mask &= np.isin(idx.countries, codes)
    mask[idx.away[idx.home == region]] = False
    return mask


def _best(total: np.ndarray, candidates: np.ndarray, ids: np.ndarray, first: int) -> list[int]:
    """Positions of the ``first`` highest totals among the candidates; ties by city id."""
    positions = np.flatnonzero(candidates)
    if not len(positions):
        return []
    scores = total[positions]
    if len(positions) > first:
        # Keep every candidate tied with the cut-off, so that ties are broken by id, not by chance.
        cut = np.partition(scores, len(scores) - first)[len(scores) - first]
        keep = scores >= cut
        positions, scores = positions[keep], scores[keep]
    order = np.lexsort((ids[positions], -scores))
    return [int(p) for p in positions[order][:first]]


def _place(idx: city_index.Index, position: int) -> Place:
    return Place(
        name=idx.names[position],
        population=float(idx.population[position]),
        latitude=float(idx.latitude[position]),
        coast=int(idx.coast[position]),
    )
