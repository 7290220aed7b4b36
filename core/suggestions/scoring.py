"""Explainable factors: each scores every candidate at once (numpy), in [0, 1], with a weight;
``explain`` puts the numbers behind one candidate's score into words, in Indonesian and English.

The total is the weighted sum of the factors, so it is in [0, 1] too (the weights sum to 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.enums import Area
from core.suggestions import wording
from core.suggestions.features import BANDS, COASTAL, UNKNOWN, climate_band

WEIGHTS: dict[str, float] = {
    "population": 0.25,
    "climate": 0.15,
    "coast": 0.10,
    "areas": 0.20,
    "network": 0.30,
}
LATITUDE_SPAN = 20.0  # degrees of |latitude| apart at which the climate factor reaches 0
SIMILAR = 0.5  # a factor at least this high is "similar" in the reasons

AREA_BITS: dict[Area, int] = {area: 1 << i for i, area in enumerate(Area)}


@dataclass(frozen=True, slots=True)
class Factor:
    name: str
    score: float  # in [0, 1]
    weight: float
    reason_id: str
    reason_en: str

    @property
    def contribution(self) -> float:
        return self.score * self.weight


@dataclass(frozen=True, slots=True)
class Place:
    """What the reasons say about a city: NaN (or UNKNOWN coast) where a value is not known."""

    name: str
    population: float
    latitude: float
    coast: int


def area_mask(areas: list[Area] | set[Area] | frozenset[Area]) -> int:
    mask = 0
    for area in areas:
        mask |= AREA_BITS[area]
    return mask


def areas_of(mask: int) -> list[Area]:
    return [area for area, bit in AREA_BITS.items() if mask & bit]


# --- vectorised scores --------------------------------------------------------------------------


def population_scores(target_log: float, logs: np.ndarray) -> np.ndarray:
    """1 for the same population, falling linearly to 0 at ten times (or a tenth) of it."""
    return np.nan_to_num(np.clip(1.0 - np.abs(logs - target_log), 0.0, 1.0), nan=0.0)


def climate_scores(target_latitude: float, latitudes: np.ndarray) -> np.ndarray:
    """1 at the same distance from the equator, 0 at LATITUDE_SPAN degrees more or less."""
    gap = np.abs(np.abs(latitudes) - abs(target_latitude))
    return np.nan_to_num(np.clip(1.0 - gap / LATITUDE_SPAN, 0.0, 1.0), nan=0.0)


def coast_scores(target_coast: int, coasts: np.ndarray) -> np.ndarray:
    """1 when both are coastal or both inland; 0 when they differ or either is unknown."""
    if target_coast == UNKNOWN:
        return np.zeros(coasts.shape)
    return (coasts == target_coast).astype(float)


def area_scores(wanted: int, masks: np.ndarray) -> np.ndarray:
    """The share of the wanted areas that a candidate's partnerships already cover."""
    if not wanted:
        return np.zeros(masks.shape)
    return np.bitwise_count(masks & wanted) / wanted.bit_count()


def total(scores: dict[str, np.ndarray]) -> np.ndarray:
    return sum(WEIGHTS[name] * values for name, values in scores.items())  # type: ignore[return-value]


# --- reasons --------------------------------------------------------------------------------------


def population_factor(score: float, candidate: Place, region: Place) -> Factor:
    if math.isnan(candidate.population) or math.isnan(region.population):
        who_en = candidate.name if math.isnan(candidate.population) else region.name
        return _factor(
            "population", score, f"Populasi {who_en} tidak diketahui",
            f"Population of {who_en} unknown",
        )  # fmt: skip
    them_id = wording.population(candidate.population, indonesian=True)
    you_id = wording.population(region.population, indonesian=True)
    them_en = wording.population(candidate.population, indonesian=False)
    you_en = wording.population(region.population, indonesian=False)
    if score >= SIMILAR:
        return _factor(
            "population", score, f"Populasi serupa ({them_id} vs {you_id})",
            f"Similar population ({them_en} vs {you_en})",
        )  # fmt: skip
    return _factor(
        "population", score, f"Populasi berbeda ({them_id} vs {you_id})",
        f"Different population ({them_en} vs {you_en})",
    )  # fmt: skip


def climate_factor(score: float, candidate: Place, region: Place) -> Factor:
    if math.isnan(candidate.latitude) or math.isnan(region.latitude):
        who = candidate.name if math.isnan(candidate.latitude) else region.name
        return _factor(
            "climate", score, f"Lintang {who} tidak diketahui", f"Latitude of {who} unknown"
        )
    bands = climate_band(np.array([candidate.latitude, region.latitude]))
    them, you = BANDS[bands[0]], BANDS[bands[1]]
    lat_id = (
        f"{wording.latitude(candidate.latitude, indonesian=True)} vs "
        f"{wording.latitude(region.latitude, indonesian=True)}"
    )
    lat_en = (
        f"{wording.latitude(candidate.latitude, indonesian=False)} vs "
        f"{wording.latitude(region.latitude, indonesian=False)}"
    )
    if them is you:
        return _factor(
            "climate", score, f"Iklim sama: {them[2]} ({lat_id})",
            f"Same climate band: {them[1]} ({lat_en})",
        )  # fmt: skip
    return _factor(
        "climate", score, f"Iklim berbeda: {them[2]} vs {you[2]} ({lat_id})",
        f"Different climate: {them[1]} vs {you[1]} ({lat_en})",
    )  # fmt: skip


def coast_factor(score: float, candidate: Place, region: Place) -> Factor:
    if UNKNOWN in (candidate.coast, region.coast):
        who = candidate.name if candidate.coast == UNKNOWN else region.name
        return _factor(
            "coast", score, f"Letak pesisir {who} tidak diketahui",
            f"Whether {who} is coastal is unknown",
        )  # fmt: skip
    if candidate.coast == region.coast == COASTAL:
        return _factor("coast", score, "Sama-sama kota pesisir", "Both coastal")
    if candidate.coast == region.coast:
        return _factor("coast", score, "Sama-sama di pedalaman", "Both inland")
    if candidate.coast == COASTAL:
        return _factor("coast", score, "Pesisir vs pedalaman", "Coastal vs inland")
    return _factor("coast", score, "Pedalaman vs pesisir", "Inland vs coastal")


def areas_factor(score: float, wanted: int, offered: int) -> Factor:
    if not wanted:
        return _factor(
            "areas", score, "Tidak ada bidang kerja sama yang diminta atau tercatat",
            "No areas of interest requested or recorded",
        )  # fmt: skip
    shared = areas_of(wanted & offered)
    of = f"{len(shared)} dari {wanted.bit_count()}", f"{len(shared)} of {wanted.bit_count()}"
    if not shared:
        return _factor(
            "areas", score, f"Tidak ada bidang yang sama (0 dari {wanted.bit_count()})",
            f"No shared areas (0 of {wanted.bit_count()})",
        )  # fmt: skip
    return _factor(
        "areas", score,
        f"Bidang sama: {wording.areas(shared, indonesian=True)} ({of[0]})",
        f"Shared areas: {wording.areas(shared, indonesian=False)} ({of[1]})",
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Link:
    """The twinning that lifts a candidate: with ``via``, a partner of the region (``partner``)
    or an Indonesian city like it (with its ``similarity``); ``others``: more links like it."""

    via: str
    partner: bool
    similarity: float
    others: int


def network_factor(score: float, link: Link | None) -> Factor:
    if link is None:
        return _factor(
            "network", score, "Tidak ada jaringan kota kembar yang terkait",
            "No related twinning links",
        )  # fmt: skip
    more_id = f" (dan {link.others} lainnya)" if link.others else ""
    more_en = f" (and {link.others} more)" if link.others else ""
    if link.partner:
        return _factor(
            "network", score, f"Bermitra dengan {link.via}, mitra Anda{more_id}",
            f"Twinned with {link.via}, a partner of yours{more_en}",
        )  # fmt: skip
    sim_id = wording.decimal(link.similarity, indonesian=True)
    sim_en = wording.decimal(link.similarity, indonesian=False)
    return _factor(
        "network", score,
        f"Bermitra dengan {link.via}, kota Indonesia yang mirip dengan Anda "
        f"(kemiripan {sim_id}){more_id}",
        f"Twinned with {link.via}, an Indonesian city like yours (similarity {sim_en}){more_en}",
    )  # fmt: skip


def _factor(name: str, score: float, reason_id: str, reason_en: str) -> Factor:
    return Factor(name, round(float(score), 4), WEIGHTS[name], reason_id, reason_en)
