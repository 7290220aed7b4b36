"""The health score (core.health): each component from hand-picked facts, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core.health import Component, HealthFacts, assess
from core.months import shift_moment
from core.stages import Stage, Status

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)

THRIVING = HealthFacts(
    stage=Stage.IMPLEMENTATION,
    status=Status.ACTIVE,
    stage_entered_at=NOW - timedelta(days=90),
    last_activity_at=NOW - timedelta(days=10),
    programs=3,
    participants_recent=80,
    evaluation_score=90,
    evaluation_recommendation="continue",
)


def parts(facts: HealthFacts, **kw: int) -> dict[str, Component]:
    health = assess(facts, now=NOW, **kw)
    assert health is not None
    return {c.name: c for c in health.components}


def test_a_thriving_partnership_scores_high_with_every_component() -> None:
    health = assess(THRIVING, now=NOW)
    assert health is not None
    assert [(c.name, c.weight) for c in health.components] == [
        ("activity_recency", 35), ("programs", 20), ("participants", 15), ("evaluation", 20),
        ("stage_time", 10),
    ]  # fmt: skip
    assert [c.score for c in health.components] == [100, 100, 100, 90, 100]
    assert health.score == round((35 + 20 + 15 + 10) * 100 / 100 + 20 * 90 / 100)  # 98
    assert all(c.detail and c.detail_id for c in health.components)


@pytest.mark.parametrize(
    ("ago_months", "score"), [(1, 100), (3, 100), (7.5, 50), (12, 0), (30, 0)]
)
def test_activity_recency_falls_to_zero_at_the_dormancy_period(ago_months: float, score: int):
    facts = replace(THRIVING, last_activity_at=NOW - timedelta(days=30.44 * ago_months))
    assert parts(facts)["activity_recency"].score == score


def test_recency_follows_the_dormancy_setting_and_says_when() -> None:
    facts = replace(THRIVING, last_activity_at=shift_moment(NOW, -12))
    recency = parts(facts, dormancy_months=24)["activity_recency"]
    assert 0 < recency.score < 100
    assert "(2025-06-01)" in recency.detail and "24 months" in recency.detail
    assert "24 bulan" in recency.detail_id
    nothing = parts(replace(THRIVING, last_activity_at=None))["activity_recency"]
    assert nothing.score == 0 and "Nothing has been recorded" in nothing.detail


@pytest.mark.parametrize(("programs", "score"), [(0, 0), (1, 60), (2, 80), (3, 100), (9, 100)])
def test_programs(programs: int, score: int) -> None:
    component = parts(replace(THRIVING, programs=programs))["programs"]
    assert component.score == score
    assert f"{programs} program" in component.detail
    assert ("Start programs" in component.detail) is (programs < 3)


@pytest.mark.parametrize(("people", "score"), [(0, 0), (10, 20), (25, 50), (50, 100), (500, 100)])
def test_participants(people: int, score: int) -> None:
    component = parts(replace(THRIVING, participants_recent=people))["participants"]
    assert (component.score, f"{people} participants" in component.detail) == (score, True)


def test_evaluation_outcomes() -> None:
    none = parts(replace(THRIVING, evaluation_score=None, evaluation_recommendation=None))
    assert none["evaluation"].score == 50 and "No evaluation" in none["evaluation"].detail
    poor = parts(replace(THRIVING, evaluation_score=35, evaluation_recommendation="revise"))
    assert poor["evaluation"].score == 35 and "to revise" in poor["evaluation"].detail
    ending = parts(replace(THRIVING, evaluation_score=70, evaluation_recommendation="terminate"))
    assert ending["evaluation"].score == 20 and "70/100" in ending["evaluation"].detail


@pytest.mark.parametrize(
    ("stage", "months", "score"),
    [
        (Stage.IMPLEMENTATION, 12, 100), (Stage.IMPLEMENTATION, 24, 50),
        (Stage.IMPLEMENTATION, 36, 0), (Stage.EVALUATION, 3, 100), (Stage.EVALUATION, 6, 50),
        (Stage.NEGOTIATION, 48, 0),
    ],
)  # fmt: skip
def test_time_stuck_in_a_stage(stage: Stage, months: int, score: int) -> None:
    facts = replace(THRIVING, stage=stage, stage_entered_at=NOW - timedelta(days=30.44 * months))
    component = parts(facts)["stage_time"]
    assert component.score == score
    assert f"for {months} months" in component.detail


def test_in_preparation_only_activity_and_stage_time_count() -> None:
    facts = replace(
        THRIVING, stage=Stage.EXPLORATION, status=Status.IN_PREPARATION, programs=0,
        participants_recent=0, evaluation_score=None,
        stage_entered_at=NOW - timedelta(days=30.44 * 12),  # twice the usual six months
    )  # fmt: skip
    health = assess(facts, now=NOW)
    assert health is not None
    assert [(c.name, c.score) for c in health.components] == [
        ("activity_recency", 100), ("stage_time", 50)
    ]  # fmt: skip
    assert health.score == round((35 * 100 + 10 * 50) / 45)
    assert "letter of intent" in health.components[1].detail


@pytest.mark.parametrize("status", [Status.ABANDONED, Status.TERMINATED, Status.EXPIRED])
def test_a_closed_partnership_has_no_health(status: Status) -> None:
    assert assess(replace(THRIVING, status=status), now=NOW) is None


def test_a_neglected_partnership_scores_low_and_says_what_to_fix() -> None:
    neglected = replace(
        THRIVING, last_activity_at=NOW - timedelta(days=400), programs=0, participants_recent=0,
        evaluation_score=None, stage_entered_at=NOW - timedelta(days=1200),
    )  # fmt: skip
    health = assess(neglected, now=NOW)
    assert health is not None
    assert health.score == round(20 * 50 / 100)  # only the neutral evaluation counts: 10
    assert all(c.score == 0 for c in health.components if c.name != "evaluation")
