"""Concurrent writers: optimistic versions and the one-live-partnership rule under real races.

On PostgreSQL the writers really overlap (a connection each, FOR UPDATE row locks, the partial
unique index); SQLite serialises them through its single writer, so the unmarked tests also run
there and must give the same answer.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest

from core.enums import Area, DocumentType, PartnershipKind
from core.errors import DomainError, ErrorCode
from core.models import OutboxEvent, Partnership, StageChange
from core.services import partnerships
from core.stages import Stage, Status
from tests import factories

N = 8
TODAY = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def today() -> Iterator[date]:
    with factories.frozen(TODAY):
        yield TODAY


def outcome(result: object) -> str:
    """'won', or the one error code a loser got."""
    if isinstance(result, Partnership):
        return "won"
    assert isinstance(result, DomainError), result
    assert len(result.problems) == 1, result.problems
    return result.problems[0].code.value


async def race_advance(p: Partnership, to: Stage) -> tuple[Counter[str], list[object]]:
    current = await partnerships.get(p.id)
    results = await asyncio.gather(
        *(
            partnerships.advance_stage(
                partnership_id=p.id,
                to=to,
                expected_version=current.version,
                reason=f"writer {n}",
                actor=f"officer-{n}",
            )
            for n in range(N)
        ),
        return_exceptions=True,
    )
    return Counter(outcome(r) for r in results), list(results)


async def check_one_winner(p: Partnership, source: Stage, to: Stage, before_version: int) -> None:
    changes = await StageChange.filter(partnership_id=p.id, from_stage=source, to_stage=to)
    assert len(changes) == 1
    events = [
        e
        for e in await factories.outbox_rows(p)
        if e.type == "partnership.stage_advanced" and e.payload["to_stage"] == to.value
        if e.payload["from_stage"] == source.value
    ]
    assert len(events) == 1
    # the history row and the event name the same winner
    assert events[0].actor == changes[0].actor
    assert events[0].payload["reason"] == changes[0].reason
    stored = await partnerships.get(p.id)
    assert (stored.stage, stored.version) == (to, before_version + 1)


async def test_concurrent_advances_with_one_version_have_exactly_one_winner(db: str) -> None:
    p = await factories.pair()
    await factories.document(p, DocumentType.FEASIBILITY_STUDY)
    history = await StageChange.all().count()
    outbox = await OutboxEvent.all().count()
    tally, results = await race_advance(p, Stage.EXPLORATION)
    assert tally == Counter({"won": 1, "conflict": N - 1})
    losers = [r for r in results if isinstance(r, DomainError)]
    assert {(x.problems[0].code, x.problems[0].field) for x in losers} == {
        (ErrorCode.CONFLICT, "expectedVersion")
    }
    await check_one_winner(p, Stage.IDENTIFICATION, Stage.EXPLORATION, p.version)
    assert await StageChange.all().count() == history + 1
    assert await OutboxEvent.all().count() == outbox + 1


async def test_concurrent_abandon_and_advance_have_exactly_one_winner(db: str) -> None:
    p = await factories.pair()
    await factories.document(p, DocumentType.FEASIBILITY_STUDY)
    results = await asyncio.gather(
        partnerships.abandon(
            partnership_id=p.id, expected_version=p.version, reason="give up", actor=factories.ACTOR
        ),
        partnerships.advance_stage(
            partnership_id=p.id,
            to=Stage.EXPLORATION,
            expected_version=p.version,
            actor=factories.ACTOR,
        ),
        return_exceptions=True,
    )
    assert sorted(outcome(r) for r in results) == ["conflict", "won"]
    stored = await partnerships.get(p.id)
    assert stored.version == p.version + 1
    assert (stored.stage, stored.status) in {
        (Stage.IDENTIFICATION, Status.ABANDONED),
        (Stage.EXPLORATION, Status.IN_PREPARATION),
    }
    assert await StageChange.filter(partnership_id=p.id).count() == 2  # propose + the winner


async def race_propose(home_id: int, away_id: int) -> Counter[str]:
    results = await asyncio.gather(
        *(
            partnerships.propose(
                indonesian_region_id=home_id,
                foreign_region_id=away_id,
                kind=PartnershipKind.SISTER_CITY,
                areas=[Area.CULTURE],
                actor=f"officer-{n}",
            )
            for n in range(N)
        ),
        return_exceptions=True,
    )
    return Counter(outcome(r) for r in results)


async def test_concurrent_proposals_for_one_pair_make_exactly_one_partnership(db: str) -> None:
    home = await factories.region("Medan")
    away = await factories.region("Gwangju", "KR")
    assert await race_propose(home.id, away.id) == Counter({"won": 1, "duplicate": N - 1})
    assert await Partnership.all().count() == 1
    assert await StageChange.all().count() == 1
    assert [e.type for e in await factories.outbox_rows()] == ["partnership.proposed"]


@pytest.mark.postgres
async def test_races_at_every_stage_of_the_lifecycle_each_have_one_winner(db: str) -> None:
    p = await factories.pair("Surabaya", "Kitakyushu", "JP")
    steps = [
        (Stage.IDENTIFICATION, Stage.EXPLORATION, DocumentType.FEASIBILITY_STUDY),
        (Stage.EXPLORATION, Stage.NEGOTIATION, DocumentType.LETTER_OF_INTENT),
        (Stage.NEGOTIATION, Stage.IMPLEMENTATION, None),
        (Stage.IMPLEMENTATION, Stage.EVALUATION, None),
        (Stage.EVALUATION, Stage.NEGOTIATION, DocumentType.EVALUATION_REPORT),
    ]
    for source, to, paper in steps:
        if paper is not None:
            await factories.document(p, paper)
        if to is Stage.IMPLEMENTATION:
            await factories.signing_papers(p)
        before = await partnerships.get(p.id)
        tally, _ = await race_advance(p, to)
        assert tally == Counter({"won": 1, "conflict": N - 1}), (source, to)
        await check_one_winner(p, source, to, before.version)
    stored = await partnerships.get(p.id)
    assert (stored.stage, stored.status, stored.round, stored.renewal_count) == (
        Stage.NEGOTIATION,
        Status.ACTIVE,
        2,
        0,
    )
    assert await StageChange.filter(partnership_id=p.id).count() == 1 + len(steps)
    advanced = [e for e in await factories.outbox_rows(p) if e.type == "partnership.stage_advanced"]
    assert len(advanced) == len(steps)


@pytest.mark.postgres
async def test_concurrent_proposals_for_many_pairs_make_one_each(db: str) -> None:
    homes = [await factories.region(f"Kota {n}") for n in range(3)]
    away = await factories.region("Fort Worth", "US")
    tallies = await asyncio.gather(*(race_propose(h.id, away.id) for h in homes))
    assert tallies == [Counter({"won": 1, "duplicate": N - 1})] * 3
    pairs = (
        await Partnership.all()
        .order_by("indonesian_region_id")
        .values_list("indonesian_region_id", flat=True)
    )
    assert list(pairs) == [h.id for h in homes]


@pytest.mark.postgres
async def test_a_proposal_racing_an_abandonment_never_leaves_two_live(db: str) -> None:
    old = await factories.pair()
    results = await asyncio.gather(
        partnerships.abandon(
            partnership_id=old.id, expected_version=old.version, reason="x", actor="a"
        ),
        *(
            partnerships.propose(
                indonesian_region_id=old.indonesian_region_id,
                foreign_region_id=old.foreign_region_id,
                kind=PartnershipKind.FRIENDSHIP,
                areas=[],
                actor=f"officer-{n}",
            )
            for n in range(4)
        ),
        return_exceptions=True,
    )
    assert outcome(results[0]) == "won"
    assert {outcome(r) for r in results[1:]} <= {"won", "duplicate"}
    live = await Partnership.filter(
        indonesian_region_id=old.indonesian_region_id, status__in=["in_preparation", "active"]
    ).count()
    assert live <= 1
    assert sum(outcome(r) == "won" for r in results[1:]) == live
