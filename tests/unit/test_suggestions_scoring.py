"""Suggestion scoring without a database: the numbers, and reasons that say those numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.enums import Area
from core.services.suggestions import Suggestion
from core.suggestions import features, scoring, wording
from core.suggestions.features import COASTAL, INLAND, UNKNOWN
from core.suggestions.scoring import Link, Place

NAN = math.nan
SURABAYA = Place("Surabaya", 3_018_022, -7.24917, COASTAL)


def test_weights_sum_to_one_and_every_factor_has_one() -> None:
    assert sum(scoring.WEIGHTS.values()) == pytest.approx(1.0)
    assert set(scoring.WEIGHTS) == {"population", "climate", "coast", "areas", "network"}
    assert all(0 < w < 1 for w in scoring.WEIGHTS.values())


def test_population_scores() -> None:
    logs = features.log_population(np.array([3_018_022, 30_180_220, 301_802, 954_000, NAN, 0]))
    scores = scoring.population_scores(math.log10(3_018_022), logs)
    assert scores[:3].tolist() == pytest.approx([1.0, 0.0, 0.0])
    assert scores[3] == pytest.approx(1 - math.log10(3_018_022 / 954_000))
    assert scores[4:].tolist() == [0.0, 0.0]  # unknown, or no people: never a guess
    assert scoring.population_scores(NAN, logs).tolist() == [0.0] * 6


def test_climate_scores_and_bands() -> None:
    lats = np.array([-7.25, 7.25, 27.25, 52.3, NAN])
    scores = scoring.climate_scores(-7.25, lats)
    assert scores.tolist() == pytest.approx([1.0, 1.0, 0.0, 0.0, 0.0])
    assert scoring.climate_scores(-7.25, np.array([17.25]))[0] == pytest.approx(0.5)
    bands = features.climate_band(np.array([0, -23.4, 23.5, 34.9, 35.0, -60, 80, NAN]))
    assert bands.tolist() == [0, 0, 1, 1, 2, 3, 4, UNKNOWN]


def test_coast_and_area_scores() -> None:
    coasts = np.array([COASTAL, INLAND, UNKNOWN], dtype=np.int8)
    assert scoring.coast_scores(COASTAL, coasts).tolist() == [1.0, 0.0, 0.0]
    assert scoring.coast_scores(INLAND, coasts).tolist() == [0.0, 1.0, 0.0]
    assert scoring.coast_scores(UNKNOWN, coasts).tolist() == [0.0, 0.0, 0.0]
    wanted = scoring.area_mask([Area.EDUCATION, Area.HEALTH, Area.TOURISM])
    offered = np.array(
        [0, scoring.area_mask([Area.EDUCATION]), scoring.area_mask(list(Area))], dtype=np.int64
    )
    assert scoring.area_scores(wanted, offered).tolist() == pytest.approx([0, 1 / 3, 1])
    assert scoring.area_scores(0, offered).tolist() == [0, 0, 0]


def test_total_is_the_weighted_sum_within_zero_and_one() -> None:
    ones = {name: np.ones(3) for name in scoring.WEIGHTS}
    zeros = {name: np.zeros(3) for name in scoring.WEIGHTS}
    assert scoring.total(ones).tolist() == pytest.approx([1.0] * 3)
    assert scoring.total(zeros).tolist() == [0.0] * 3
    half = {**zeros, "population": np.full(3, 0.5)}
    assert scoring.total(half).tolist() == pytest.approx([0.125] * 3)


@pytest.mark.parametrize(
    ("population", "score", "en", "id_"),
    [
        (3_285_147, 0.96, "Similar population (3.3 M vs 3 M)", "Populasi serupa (3,3 jt vs 3 jt)"),
        (244_715, 0.0, "Different population (245 k vs 3 M)",
         "Populasi berbeda (245 rb vs 3 jt)"),
        (8_460, 0.0, "Different population (8.5 k vs 3 M)", "Populasi berbeda (8,5 rb vs 3 jt)"),
        (NAN, 0.0, "Population of Busan unknown", "Populasi Busan tidak diketahui"),
    ],
)  # fmt: skip
def test_population_reason_says_the_numbers(
    population: float, score: float, en: str, id_: str
) -> None:
    region_log = features.log_population(np.array([float(SURABAYA.population)]))[0]
    computed = float(
        scoring.population_scores(region_log, features.log_population(np.array([population])))[0]
    )
    assert round(computed, 2) == score  # the table's scores are what the scoring computes
    f = scoring.population_factor(computed, Place("Busan", population, 35.1, COASTAL), SURABAYA)
    assert (f.name, f.weight, f.reason_en, f.reason_id) == (
        "population", scoring.WEIGHTS["population"], en, id_,
    )  # fmt: skip
    assert f.score == pytest.approx(computed, abs=1e-4)


def test_the_population_word_follows_the_score() -> None:
    them = Place("X", 1_000_000, 0, COASTAL)
    assert scoring.population_factor(0.5, them, SURABAYA).reason_en.startswith("Similar")
    assert scoring.population_factor(0.49, them, SURABAYA).reason_en.startswith("Different")


def test_climate_and_coast_reasons() -> None:
    same = scoring.climate_factor(0.9, Place("Cebu", 1, 10.3, COASTAL), SURABAYA)
    assert same.reason_en == "Same climate band: tropical (10.3° N vs 7.2° S)"
    assert same.reason_id == "Iklim sama: tropis (10,3° LU vs 7,2° LS)"
    other = scoring.climate_factor(0.0, Place("Oslo", 1, 59.9, INLAND), SURABAYA)
    assert other.reason_en == "Different climate: subpolar vs tropical (59.9° N vs 7.2° S)"
    assert other.reason_id == "Iklim berbeda: subkutub vs tropis (59,9° LU vs 7,2° LS)"
    unknown = scoring.climate_factor(0.0, Place("Y", 1, NAN, INLAND), SURABAYA)
    assert (unknown.reason_en, unknown.reason_id) == (
        "Latitude of Y unknown", "Lintang Y tidak diketahui",
    )  # fmt: skip
    cases = {
        (COASTAL, COASTAL): ("Both coastal", "Sama-sama kota pesisir"),
        (INLAND, INLAND): ("Both inland", "Sama-sama di pedalaman"),
        (COASTAL, INLAND): ("Coastal vs inland", "Pesisir vs pedalaman"),
        (INLAND, COASTAL): ("Inland vs coastal", "Pedalaman vs pesisir"),
        (UNKNOWN, COASTAL): ("Whether Z is coastal is unknown", "Letak pesisir Z tidak diketahui"),
    }
    for (them, you), words in cases.items():
        f = scoring.coast_factor(float(them == you), Place("Z", 1, 0, them), Place("W", 1, 0, you))
        assert (f.reason_en, f.reason_id) == words


def test_areas_reasons() -> None:
    wanted = scoring.area_mask([Area.EDUCATION, Area.CULTURE, Area.HEALTH])
    offered = scoring.area_mask([Area.CULTURE, Area.EDUCATION])
    score = float(scoring.area_scores(wanted, np.array([offered]))[0])
    assert score == pytest.approx(2 / 3)  # two of the three wanted areas are offered
    f = scoring.areas_factor(score, wanted, offered)
    assert f.reason_en == "Shared areas: education, culture (2 of 3)"
    assert f.reason_id == "Bidang sama: pendidikan, kebudayaan (2 dari 3)"
    none = scoring.areas_factor(0, wanted, scoring.area_mask([Area.TOURISM]))
    assert (none.reason_en, none.reason_id) == (
        "No shared areas (0 of 3)", "Tidak ada bidang yang sama (0 dari 3)",
    )  # fmt: skip
    assert scoring.areas_factor(0, 0, 0).reason_en == "No areas of interest requested or recorded"
    assert set(wording.AREA_WORDS) == set(Area)


def test_network_reasons() -> None:
    partner = scoring.network_factor(1.0, Link("Kitakyushu", True, 1.0, 2))
    assert partner.reason_en == "Twinned with Kitakyushu, a partner of yours (and 2 more)"
    assert partner.reason_id == "Bermitra dengan Kitakyushu, mitra Anda (dan 2 lainnya)"
    like = scoring.network_factor(0.5, Link("Medan", False, 0.8333, 0))
    assert like.reason_en == "Twinned with Medan, an Indonesian city like yours (similarity 0.83)"
    assert like.reason_id == (
        "Bermitra dengan Medan, kota Indonesia yang mirip dengan Anda (kemiripan 0,83)"
    )
    nothing = scoring.network_factor(0, None)
    assert nothing.reason_id == "Tidak ada jaringan kota kembar yang terkait"


@pytest.mark.parametrize(
    ("value", "en", "id_"),
    [(850, "850", "850"), (8_460, "8.5 k", "8,5 rb"), (120_000, "120 k", "120 rb"),
     (1_234_567, "1.2 M", "1,2 jt"), (9_960_000, "10 M", "10 jt"), (12_300_000, "12 M", "12 jt"),
     (2_000_000, "2 M", "2 jt")],
)  # fmt: skip
def test_population_words(value: float, en: str, id_: str) -> None:
    assert wording.population(value, indonesian=False) == en
    assert wording.population(value, indonesian=True) == id_


def test_coast_of_known_unknown_and_unlisted_cities() -> None:
    # Surabaya (1625822) lies on the sea, Bandung (1650357) inland; no GeoNames id: unknown.
    assert features.coast([1625822, 1650357, None, 10**12]).tolist() == [
        COASTAL, INLAND, UNKNOWN, UNKNOWN,
    ]  # fmt: skip


def test_reasons_come_strongest_first_in_either_language() -> None:
    factors = [
        scoring.Factor("population", 0.3, 0.25, "p-id", "p-en"),
        scoring.Factor("climate", 0.0, 0.15, "c-id", "c-en"),
        scoring.Factor("network", 1.0, 0.30, "n-id", "n-en"),
        scoring.Factor("areas", 0.5, 0.20, "a-id", "a-en"),
    ]
    found = Suggestion(city=None, score=0.5, factors=factors)  # type: ignore[arg-type]
    assert found.reasons(indonesian=False) == ["n-en", "a-en", "p-en"]
    assert found.reasons(indonesian=True) == ["n-id", "a-id", "p-id"]
