"""Stage transitions through the real services and database: lifecycle, history, outbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, time

import pytest

from core.enums import Area, DocumentType, PartnershipKind
from core.errors import DomainError, ErrorCode
from core.models import OutboxEvent, Partnership, StageChange
from core.services import partnerships
from core.stages import SIGNING_APPROVALS, Action, Stage, Status
from tests import factories
from tests.factories import ACTOR

TODAY = date(2026, 6, 1)
NOON = datetime.combine(TODAY, time(12), tzinfo=UTC)


@pytest.fixture(autouse=True)
def today() -> Iterator[date]:
    with factories.frozen(TODAY):
        yield TODAY


def problems(exc: pytest.ExceptionInfo[DomainError]) -> set[tuple[ErrorCode, str | None]]:
    return {(p.code, p.field) for p in exc.value.problems}


async def advance(p: Partnership, to: Stage, reason: str = "") -> Partnership:
    current = await partnerships.get(p.id)
    return await partnerships.advance_stage(
        partnership_id=p.id, to=to, expected_version=current.version, reason=reason, actor=ACTOR
    )


async def new_rows(
    p: Partnership, call: Callable[[], Awaitable[Partnership]]
) -> tuple[Partnership, list[StageChange], list[OutboxEvent]]:
    """Run ``call`` and return what it wrote to the history and to the outbox."""
    last_change = await StageChange.all().order_by("-id").first()
    last_event = await OutboxEvent.all().order_by("-seq").first()
    result = await call()
    changes = await StageChange.filter(id__gt=last_change.id if last_change else 0).order_by("id")
    events = await OutboxEvent.filter(seq__gt=last_event.seq if last_event else 0).order_by("seq")
    return result, list(changes), list(events)


# --- the full lifecycle -------------------------------------------------------------------------


async def test_full_lifecycle_with_a_continue_and_a_renewal(db: str) -> None:
    p = await factories.pair("Surabaya", "Kitakyushu", "JP")
    assert (p.stage, p.status, p.round, p.version, p.renewal_count) == (
        Stage.IDENTIFICATION,
        Status.IN_PREPARATION,
        1,
        1,
        0,
    )

    await factories.document(p, DocumentType.OFFER_LETTER)
    p = await advance(p, Stage.EXPLORATION, "offer letter received")
    assert (p.stage, p.status, p.version) == (Stage.EXPLORATION, Status.IN_PREPARATION, 2)

    await factories.document(p, DocumentType.LETTER_OF_INTENT)
    p = await advance(p, Stage.NEGOTIATION)
    assert (p.stage, p.status) == (Stage.NEGOTIATION, Status.IN_PREPARATION)

    await factories.signing_papers(p, valid_until=date(2029, 12, 31))
    p = await advance(p, Stage.IMPLEMENTATION, "MoU signed")
    assert (p.stage, p.status, p.round, p.renewal_count) == (
        Stage.IMPLEMENTATION,
        Status.ACTIVE,
        1,
        0,
    )
    assert (p.signed_on, p.valid_from, p.valid_until) == (
        date(2025, 1, 10),
        date(2025, 1, 10),
        date(2029, 12, 31),
    )

    p = await advance(p, Stage.EVALUATION)
    await factories.evaluation_report(p)
    p = await advance(p, Stage.IMPLEMENTATION, "continue")
    assert (p.stage, p.status, p.round) == (Stage.IMPLEMENTATION, Status.ACTIVE, 1)

    p = await advance(p, Stage.EVALUATION)
    # the report of the first evaluation does not count for the second
    with pytest.raises(DomainError) as exc:
        await advance(p, Stage.NEGOTIATION)
    assert problems(exc) == {(ErrorCode.DOCUMENT_MISSING, "documents.evaluation_report")}
    await factories.evaluation_report(p)
    p = await advance(p, Stage.NEGOTIATION, "renew")
    assert (p.stage, p.status, p.round, p.renewal_count) == (
        Stage.NEGOTIATION,
        Status.ACTIVE,
        2,
        0,
    )
    assert p.valid_until == date(2029, 12, 31)  # the old term stays in force while renewing

    # Round 2: the work plan, approvals and agreement of round 1 no longer count.
    with pytest.raises(DomainError) as exc:
        await advance(p, Stage.IMPLEMENTATION)
    assert problems(exc) == {
        (ErrorCode.DOCUMENT_MISSING, "documents.work_plan"),
        (ErrorCode.DOCUMENT_MISSING, "documents.signed_agreement"),
        *((ErrorCode.APPROVAL_MISSING, f"approvals.{k.value}") for k in SIGNING_APPROVALS),
    }

    await factories.document(p, DocumentType.WORK_PLAN)
    await factories.approve_all(p)
    await factories.document(
        p,
        DocumentType.SIGNED_AGREEMENT,
        issued_on=date(2026, 5, 20),
        valid_from=date(2030, 1, 1),
        valid_until=date(2034, 12, 31),
    )
    p = await advance(p, Stage.IMPLEMENTATION, "renewal signed")
    assert (p.stage, p.status, p.round, p.renewal_count) == (
        Stage.IMPLEMENTATION,
        Status.ACTIVE,
        2,
        1,
    )
    assert (p.signed_on, p.valid_from, p.valid_until) == (
        date(2026, 5, 20),
        date(2030, 1, 1),
        date(2034, 12, 31),
    )

    stored = await partnerships.get(p.id)
    assert (
        stored.stage,
        stored.round,
        stored.renewal_count,
        stored.valid_until,
        stored.version,
    ) == (
        Stage.IMPLEMENTATION,
        2,
        1,
        date(2034, 12, 31),
        p.version,
    )
    assert stored.transition_seq == 9  # propose + 8 transitions
    steps = [(h.action, h.from_stage, h.to_stage, h.to_status) for h in await factories.history(p)]
    assert steps == [
        (Action.PROPOSE, None, Stage.IDENTIFICATION, Status.IN_PREPARATION),
        (Action.ADVANCE, Stage.IDENTIFICATION, Stage.EXPLORATION, Status.IN_PREPARATION),
        (Action.ADVANCE, Stage.EXPLORATION, Stage.NEGOTIATION, Status.IN_PREPARATION),
        (Action.ADVANCE, Stage.NEGOTIATION, Stage.IMPLEMENTATION, Status.ACTIVE),
        (Action.ADVANCE, Stage.IMPLEMENTATION, Stage.EVALUATION, Status.ACTIVE),
        (Action.ADVANCE, Stage.EVALUATION, Stage.IMPLEMENTATION, Status.ACTIVE),
        (Action.ADVANCE, Stage.IMPLEMENTATION, Stage.EVALUATION, Status.ACTIVE),
        (Action.ADVANCE, Stage.EVALUATION, Stage.NEGOTIATION, Status.ACTIVE),
        (Action.ADVANCE, Stage.NEGOTIATION, Stage.IMPLEMENTATION, Status.ACTIVE),
    ]
    advanced = [
        (e.payload["from_stage"], e.payload["to_stage"], e.payload["round"])
        for e in await factories.outbox_rows(p)
        if e.type == "partnership.stage_advanced"
    ]
    assert advanced == [
        (h[1].value, h[2].value, r) for h, r in zip(steps[1:], [1] * 6 + [2, 2], strict=True)
    ]


# --- each transition writes one history row and one outbox event --------------------------------


async def at_evaluation_with_report() -> Partnership:
    p = await factories.at_stage(Stage.EVALUATION)
    await factories.evaluation_report(p)
    return p


async def with_notice(stage: Stage) -> Partnership:
    p = await factories.at_stage(stage)
    await factories.document(p, DocumentType.TERMINATION_NOTICE)
    return p


async def ready_for(source: Stage) -> Partnership:
    if source is Stage.EVALUATION:
        return await at_evaluation_with_report()
    p = await factories.at_stage(source)
    papers = {
        Stage.IDENTIFICATION: lambda: factories.document(p, DocumentType.FEASIBILITY_STUDY),
        Stage.EXPLORATION: lambda: factories.document(p, DocumentType.LETTER_OF_INTENT),
        Stage.NEGOTIATION: lambda: factories.signing_papers(p),
        Stage.IMPLEMENTATION: factories._nothing,
    }
    await papers[source]()
    return p


ADVANCE_CASES = [
    (Stage.IDENTIFICATION, Stage.EXPLORATION, Status.IN_PREPARATION, 1),
    (Stage.EXPLORATION, Stage.NEGOTIATION, Status.IN_PREPARATION, 1),
    (Stage.NEGOTIATION, Stage.IMPLEMENTATION, Status.ACTIVE, 1),
    (Stage.IMPLEMENTATION, Stage.EVALUATION, Status.ACTIVE, 1),
    (Stage.EVALUATION, Stage.IMPLEMENTATION, Status.ACTIVE, 1),
    (Stage.EVALUATION, Stage.NEGOTIATION, Status.ACTIVE, 2),
]


@pytest.mark.parametrize(
    ("source", "to", "status", "round_"),
    ADVANCE_CASES,
    ids=[f"{a.value}->{b.value}" for a, b, _, _ in ADVANCE_CASES],
)
async def test_an_advance_writes_one_history_row_and_one_stage_advanced_event(
    db: str, source: Stage, to: Stage, status: Status, round_: int
) -> None:
    p = await ready_for(source)
    before = await partnerships.get(p.id)
    result, changes, events = await new_rows(
        p,
        lambda: partnerships.advance_stage(
            partnership_id=p.id,
            to=to,
            expected_version=before.version,
            reason="because the minutes say so",
            actor="officer-7",
        ),
    )
    assert (result.stage, result.status, result.round) == (to, status, round_)
    assert result.version == before.version + 1
    assert result.transition_seq == before.transition_seq + 1
    assert [
        (c.partnership_id, c.action, c.from_stage, c.to_stage, c.from_status, c.to_status)
        for c in changes
    ] == [(p.id, Action.ADVANCE, source, to, before.status, status)]
    assert (changes[0].actor, changes[0].reason, changes[0].at) == (
        "officer-7",
        "because the minutes say so",
        NOON,
    )
    assert [(e.type, e.aggregate_type, e.aggregate_id, e.actor) for e in events] == [
        ("partnership.stage_advanced", "partnership", str(p.id), "officer-7")
    ]
    assert events[0].payload == {
        "partnership_id": p.id,
        "from_stage": source.value,
        "to_stage": to.value,
        "status": status.value,
        "round": round_,
        "reason": "because the minutes say so",
    }
    stored = await partnerships.get(p.id)
    assert (stored.stage, stored.status, stored.version) == (to, status, result.version)
    if source is not to:
        assert stored.stage_entered_at == NOON


async def test_abandon_before_signing_writes_one_row_and_one_event(db: str) -> None:
    p = await factories.at_stage(Stage.EXPLORATION)
    result, changes, events = await new_rows(
        p,
        lambda: partnerships.abandon(
            partnership_id=p.id,
            expected_version=p.version,
            reason="the partner's council declined",
            actor="officer-2",
        ),
    )
    assert (result.stage, result.status) == (Stage.EXPLORATION, Status.ABANDONED)
    assert [
        (c.action, c.from_stage, c.to_stage, c.from_status, c.to_status, c.actor, c.reason)
        for c in changes
    ] == [
        (
            Action.ABANDON,
            Stage.EXPLORATION,
            Stage.EXPLORATION,
            Status.IN_PREPARATION,
            Status.ABANDONED,
            "officer-2",
            "the partner's council declined",
        )
    ]
    assert [(e.type, e.payload) for e in events] == [
        (
            "partnership.abandoned",
            {
                "partnership_id": p.id,
                "stage": "exploration",
                "reason": "the partner's council declined",
            },
        )
    ]


@pytest.mark.parametrize("stage", [Stage.IMPLEMENTATION, Stage.EVALUATION])
async def test_abandon_after_signing_is_refused_and_writes_nothing(db: str, stage: Stage) -> None:
    p = await factories.at_stage(stage)
    before = await factories.snapshot(p)
    with pytest.raises(DomainError) as exc:
        await partnerships.abandon(
            partnership_id=p.id, expected_version=p.version, reason="x", actor=ACTOR
        )
    assert problems(exc) == {(ErrorCode.ALREADY_SIGNED, "status")}
    assert await factories.snapshot(p) == before


async def test_abandon_needs_a_reason(db: str) -> None:
    p = await factories.pair()
    before = await factories.snapshot(p)
    with pytest.raises(DomainError) as exc:
        await partnerships.abandon(
            partnership_id=p.id, expected_version=p.version, reason="  ", actor=ACTOR
        )
    assert problems(exc) == {(ErrorCode.REQUIRED, "reason")}
    assert await factories.snapshot(p) == before


@pytest.mark.parametrize("stage", [Stage.IMPLEMENTATION, Stage.EVALUATION])
async def test_terminate_a_signed_partnership_with_a_notice(db: str, stage: Stage) -> None:
    p = await with_notice(stage)
    current = await partnerships.get(p.id)
    result, changes, events = await new_rows(
        p,
        lambda: partnerships.terminate(
            partnership_id=p.id,
            expected_version=current.version,
            reason="six months' notice given",
            actor="officer-3",
        ),
    )
    assert (result.stage, result.status) == (stage, Status.TERMINATED)
    assert [(c.action, c.from_status, c.to_status, c.reason) for c in changes] == [
        (Action.TERMINATE, Status.ACTIVE, Status.TERMINATED, "six months' notice given")
    ]
    assert [(e.type, e.payload["stage"], e.payload["reason"]) for e in events] == [
        ("partnership.terminated", stage.value, "six months' notice given")
    ]


async def test_terminate_without_a_notice_is_refused_and_writes_nothing(db: str) -> None:
    p = await factories.at_stage(Stage.IMPLEMENTATION)
    before = await factories.snapshot(p)
    with pytest.raises(DomainError) as exc:
        await partnerships.terminate(
            partnership_id=p.id, expected_version=p.version, reason="x", actor=ACTOR
        )
    assert problems(exc) == {(ErrorCode.DOCUMENT_MISSING, "documents.termination_notice")}
    assert await factories.snapshot(p) == before


async def test_terminate_before_signing_is_refused_as_not_signed(db: str) -> None:
    p = await with_notice(Stage.NEGOTIATION)
    current = await partnerships.get(p.id)
    before = await factories.snapshot(p)
    with pytest.raises(DomainError) as exc:
        await partnerships.terminate(
            partnership_id=p.id, expected_version=current.version, reason="x", actor=ACTOR
        )
    assert problems(exc) == {(ErrorCode.NOT_SIGNED, "status")}
    assert await factories.snapshot(p) == before


async def test_a_termination_notice_from_an_earlier_round_does_not_count(db: str) -> None:
    p = await with_notice(Stage.EVALUATION)
    await factories.evaluation_report(p)
    p = await advance(p, Stage.NEGOTIATION)  # round 2
    with pytest.raises(DomainError) as exc:
        await partnerships.terminate(
            partnership_id=p.id, expected_version=p.version, reason="x", actor=ACTOR
        )
    assert problems(exc) == {(ErrorCode.DOCUMENT_MISSING, "documents.termination_notice")}


async def test_expire_after_the_term_ends(db: str) -> None:
    p = await factories.at_stage(Stage.IMPLEMENTATION)  # valid until 2030-12-31
    with factories.frozen(date(2030, 12, 31)):
        with pytest.raises(DomainError) as exc:
            await partnerships.expire(partnership_id=p.id, actor="expiry-watch")
        assert problems(exc) == {(ErrorCode.TERM_NOT_ENDED, "validUntil")}
    assert (await factories.snapshot(p)).status == "active"

    later = datetime(2031, 1, 1, 0, 5, tzinfo=UTC)
    with factories.frozen(later):
        result, changes, events = await new_rows(
            p, lambda: partnerships.expire(partnership_id=p.id, actor="expiry-watch")
        )
    assert (result.stage, result.status) == (Stage.IMPLEMENTATION, Status.EXPIRED)
    assert [(c.action, c.from_status, c.to_status, c.actor, c.at) for c in changes] == [
        (Action.EXPIRE, Status.ACTIVE, Status.EXPIRED, "expiry-watch", later)
    ]
    assert [(e.type, e.payload) for e in events] == [
        (
            "partnership.expired",
            {"partnership_id": p.id, "stage": "implementation", "valid_until": "2030-12-31"},
        )
    ]
    # once expired, nothing more happens
    with factories.frozen(later), pytest.raises(DomainError) as exc:
        await partnerships.expire(partnership_id=p.id, actor="expiry-watch")
    assert problems(exc) == {(ErrorCode.PARTNERSHIP_CLOSED, "status")}


async def test_expire_before_signing_is_refused(db: str) -> None:
    p = await factories.at_stage(Stage.NEGOTIATION)
    before = await factories.snapshot(p)
    with pytest.raises(DomainError) as exc:
        await partnerships.expire(partnership_id=p.id, actor="expiry-watch")
    assert problems(exc) == {(ErrorCode.NOT_SIGNED, "status")}
    assert await factories.snapshot(p) == before


# --- refusals write nothing ---------------------------------------------------------------------


async def abandoned() -> Partnership:
    p = await factories.pair()
    return await partnerships.abandon(
        partnership_id=p.id, expected_version=p.version, reason="declined", actor=ACTOR
    )


REFUSALS = [
    pytest.param(
        factories.pair,
        Stage.EXPLORATION,
        {(ErrorCode.DOCUMENT_MISSING, "documents.feasibility_study")},
        id="guard: no feasibility study",
    ),
    pytest.param(
        lambda: factories.at_stage(Stage.EXPLORATION),
        Stage.NEGOTIATION,
        {(ErrorCode.DOCUMENT_MISSING, "documents.letter_of_intent")},
        id="guard: no letter of intent",
    ),
    pytest.param(
        factories.pair,
        Stage.IMPLEMENTATION,
        {(ErrorCode.TRANSITION_NOT_ALLOWED, "to")},
        id="not allowed: skipping stages",
    ),
    pytest.param(
        lambda: factories.at_stage(Stage.EXPLORATION),
        Stage.EXPLORATION,
        {(ErrorCode.TRANSITION_NOT_ALLOWED, "to")},
        id="not allowed: to the same stage",
    ),
    pytest.param(
        lambda: factories.at_stage(Stage.IMPLEMENTATION),
        Stage.NEGOTIATION,
        {(ErrorCode.TRANSITION_NOT_ALLOWED, "to")},
        id="not allowed: backwards",
    ),
    pytest.param(
        abandoned,
        Stage.EXPLORATION,
        {(ErrorCode.PARTNERSHIP_CLOSED, "status")},
        id="closed: abandoned",
    ),
]


@pytest.mark.parametrize(("make", "to", "expected"), REFUSALS)
async def test_a_refused_advance_writes_nothing(
    db: str,
    make: Callable[[], Awaitable[Partnership]],
    to: Stage,
    expected: set[tuple[ErrorCode, str]],
) -> None:
    p = await make()
    before = await factories.snapshot(p)
    with pytest.raises(DomainError) as exc:
        await partnerships.advance_stage(
            partnership_id=p.id, to=to, expected_version=before.version, actor=ACTOR
        )
    assert problems(exc) == expected
    assert await factories.snapshot(p) == before


async def test_a_partnership_without_diplomatic_relations_cannot_advance(db: str) -> None:
    p = await factories.pair("Jakarta", "Tel Aviv", "IL")
    await factories.document(p, DocumentType.FEASIBILITY_STUDY)
    before = await factories.snapshot(p)
    with pytest.raises(DomainError) as exc:
        await advance(p, Stage.EXPLORATION)
    assert problems(exc) == {(ErrorCode.NO_DIPLOMATIC_RELATIONS, "foreignRegion")}
    assert await factories.snapshot(p) == before


async def test_advance_an_unknown_partnership_is_not_found(db: str) -> None:
    with pytest.raises(DomainError) as exc:
        await partnerships.advance_stage(
            partnership_id=999, to=Stage.EXPLORATION, expected_version=1, actor=ACTOR
        )
    assert problems(exc) == {(ErrorCode.NOT_FOUND, "id")}
    assert await StageChange.all().count() == 0


# --- optimistic concurrency ---------------------------------------------------------------------


async def test_a_stale_expected_version_is_a_conflict_and_changes_nothing(db: str) -> None:
    p = await factories.pair()
    await factories.document(p, DocumentType.FEASIBILITY_STUDY)
    stale = p.version
    await partnerships.update_details(
        partnership_id=p.id, expected_version=stale, description="new notes", actor=ACTOR
    )
    before = await factories.snapshot(p)
    assert before.version == stale + 1
    with pytest.raises(DomainError) as exc:
        await partnerships.advance_stage(
            partnership_id=p.id, to=Stage.EXPLORATION, expected_version=stale, actor=ACTOR
        )
    assert problems(exc) == {(ErrorCode.CONFLICT, "expectedVersion")}
    assert f"version {stale + 1}" in exc.value.problems[0].message
    assert await factories.snapshot(p) == before
    # with the current version the same move succeeds
    moved = await partnerships.advance_stage(
        partnership_id=p.id, to=Stage.EXPLORATION, expected_version=before.version, actor=ACTOR
    )
    assert (moved.stage, moved.version) == (Stage.EXPLORATION, before.version + 1)


@pytest.mark.parametrize("action", ["abandon", "terminate", "update_details"])
async def test_every_versioned_write_refuses_a_stale_version(db: str, action: str) -> None:
    p = await with_notice(Stage.IMPLEMENTATION) if action == "terminate" else await factories.pair()
    current = await partnerships.get(p.id)
    before = await factories.snapshot(p)
    stale = current.version - 1
    with pytest.raises(DomainError) as exc:
        if action == "update_details":
            await partnerships.update_details(
                partnership_id=p.id, expected_version=stale, description="x", actor=ACTOR
            )
        else:
            await getattr(partnerships, action)(
                partnership_id=p.id, expected_version=stale, reason="x", actor=ACTOR
            )
    assert problems(exc) == {(ErrorCode.CONFLICT, "expectedVersion")}
    assert await factories.snapshot(p) == before
    assert (await partnerships.get(p.id)).description == current.description


async def test_update_details_changes_fields_and_bumps_the_version(db: str) -> None:
    p = await factories.pair()
    updated = await partnerships.update_details(
        partnership_id=p.id,
        expected_version=p.version,
        kind=PartnershipKind.FRIENDSHIP,
        areas=[Area.TOURISM, Area.TOURISM, Area.HEALTH],
        description="stepping stone",
        established_on=date(1960, 5, 24),
        actor=ACTOR,
    )
    stored = await partnerships.get(p.id)
    assert (stored.kind, stored.description, stored.established_on, stored.version) == (
        PartnershipKind.FRIENDSHIP,
        "stepping stone",
        date(1960, 5, 24),
        p.version + 1,
    )
    assert updated.version == stored.version
    areas = await stored.area_links.all().order_by("area").values_list("area", flat=True)
    assert list(areas) == [Area.HEALTH, Area.TOURISM]
    with pytest.raises(DomainError) as exc:
        await partnerships.update_details(
            partnership_id=p.id, established_on=date(2026, 6, 2), actor=ACTOR
        )
    assert problems(exc) == {(ErrorCode.INVALID, "establishedOn")}
    assert (await partnerships.get(p.id)).version == p.version + 1


# --- one live partnership per pair --------------------------------------------------------------


async def test_a_second_live_partnership_for_the_same_pair_is_a_duplicate(db: str) -> None:
    home = await factories.region("Medan")
    away = await factories.region("Gwangju", "KR")
    first = await factories.propose(home, away)
    with pytest.raises(DomainError) as exc:
        await factories.propose(home, away, kind=PartnershipKind.FRIENDSHIP)
    assert problems(exc) == {(ErrorCode.DUPLICATE, "foreignRegionId")}
    assert [p.id for p in await Partnership.all()] == [first.id]
    assert await StageChange.all().count() == 1
    assert [e.type for e in await factories.outbox_rows()] == ["partnership.proposed"]


async def test_a_signed_partnership_also_blocks_a_new_proposal(db: str) -> None:
    p = await factories.at_stage(Stage.IMPLEMENTATION)
    with pytest.raises(DomainError) as exc:
        await partnerships.propose(
            indonesian_region_id=p.indonesian_region_id,
            foreign_region_id=p.foreign_region_id,
            kind=PartnershipKind.SISTER_CITY,
            areas=[],
            actor=ACTOR,
        )
    assert problems(exc) == {(ErrorCode.DUPLICATE, "foreignRegionId")}
    assert await Partnership.all().count() == 1


async def test_a_new_proposal_is_allowed_after_the_old_one_is_abandoned(db: str) -> None:
    old = await abandoned()
    new = await partnerships.propose(
        indonesian_region_id=old.indonesian_region_id,
        foreign_region_id=old.foreign_region_id,
        kind=PartnershipKind.FRIENDSHIP,
        areas=[Area.ECONOMY],
        actor=ACTOR,
    )
    assert new.id != old.id
    assert (new.stage, new.status, new.round, new.version) == (
        Stage.IDENTIFICATION,
        Status.IN_PREPARATION,
        1,
        1,
    )
    statuses = await Partnership.all().order_by("id").values_list("status", flat=True)
    assert list(statuses) == [Status.ABANDONED, Status.IN_PREPARATION]
    # and a third is a duplicate of the new live one
    with pytest.raises(DomainError) as exc:
        await partnerships.propose(
            indonesian_region_id=old.indonesian_region_id,
            foreign_region_id=old.foreign_region_id,
            kind=PartnershipKind.FRIENDSHIP,
            areas=[],
            actor=ACTOR,
        )
    assert problems(exc) == {(ErrorCode.DUPLICATE, "foreignRegionId")}


async def test_the_same_region_may_partner_with_several_others(db: str) -> None:
    home = await factories.region("Bandung")
    one = await factories.propose(home, await factories.region("Braunschweig", "DE"))
    two = await factories.propose(home, await factories.region("Fort Worth", "US"))
    assert one.id != two.id
    assert await Partnership.filter(indonesian_region_id=home.id).count() == 2


async def test_propose_writes_the_partnership_its_history_and_one_event(db: str) -> None:
    home = await factories.region("Yogyakarta", level=factories.RegionLevel.PROVINCE)
    away = await factories.region("Kyoto", "JP", level=factories.RegionLevel.PROVINCE)
    p = await partnerships.propose(
        indonesian_region_id=home.id,
        foreign_region_id=away.id,
        kind=PartnershipKind.SISTER_PROVINCE,
        areas=[Area.CULTURE, Area.EDUCATION, Area.CULTURE],
        description="sister province since 1985",
        established_on=date(1985, 7, 16),
        actor="officer-9",
    )
    stored = await partnerships.get(p.id)
    assert (stored.kind, stored.stage, stored.status, stored.transition_seq) == (
        PartnershipKind.SISTER_PROVINCE,
        Stage.IDENTIFICATION,
        Status.IN_PREPARATION,
        1,
    )
    assert stored.established_on == date(1985, 7, 16)
    areas = await stored.area_links.all().order_by("area").values_list("area", flat=True)
    assert list(areas) == [Area.CULTURE, Area.EDUCATION]
    assert [
        (h.action, h.from_stage, h.to_stage, h.from_status, h.to_status, h.actor, h.at)
        for h in await factories.history(p)
    ] == [
        (Action.PROPOSE, None, Stage.IDENTIFICATION, None, Status.IN_PREPARATION, "officer-9", NOON)
    ]
    assert [(e.type, e.actor, e.payload) for e in await factories.outbox_rows(p)] == [
        (
            "partnership.proposed",
            "officer-9",
            {
                "partnership_id": p.id,
                "indonesian_region_id": home.id,
                "foreign_region_id": away.id,
                "kind": "sister_province",
                "stage": "identification",
            },
        )
    ]


PROPOSE_CASES = [
    pytest.param(
        ("DE", "JP"),
        {(ErrorCode.INVALID, "indonesianRegionId")},
        id="indonesian side abroad",
    ),
    pytest.param(("ID", "ID"), {(ErrorCode.INVALID, "foreignRegionId")}, id="foreign side home"),
    pytest.param(
        ("JP", "ID"),
        {(ErrorCode.INVALID, "indonesianRegionId"), (ErrorCode.INVALID, "foreignRegionId")},
        id="sides swapped",
    ),
    pytest.param(
        (None, "JP"), {(ErrorCode.NOT_FOUND, "indonesianRegionId")}, id="no indonesian region"
    ),
    pytest.param(("ID", None), {(ErrorCode.NOT_FOUND, "foreignRegionId")}, id="no foreign region"),
    pytest.param(
        (None, None),
        {(ErrorCode.NOT_FOUND, "indonesianRegionId"), (ErrorCode.NOT_FOUND, "foreignRegionId")},
        id="neither exists",
    ),
]


@pytest.mark.parametrize(("countries", "expected"), PROPOSE_CASES)
async def test_propose_validates_both_sides(
    db: str, countries: tuple[str | None, str | None], expected: set[tuple[ErrorCode, str]]
) -> None:
    ids = []
    for n, country in enumerate(countries):
        ids.append((await factories.region(f"Region {n}", country)).id if country else 9999 + n)
    with pytest.raises(DomainError) as exc:
        await partnerships.propose(
            indonesian_region_id=ids[0],
            foreign_region_id=ids[1],
            kind=PartnershipKind.SISTER_CITY,
            areas=[],
            actor=ACTOR,
        )
    assert problems(exc) == expected
    assert await Partnership.all().count() == 0
    assert await StageChange.all().count() == 0
    assert await OutboxEvent.all().count() == 0


async def test_propose_refuses_an_establishment_date_in_the_future(db: str) -> None:
    home = await factories.region("Bandung")
    away = await factories.region("Braunschweig", "DE")
    with pytest.raises(DomainError) as exc:
        await factories.propose(home, away, established_on=date(2026, 6, 2))
    assert problems(exc) == {(ErrorCode.INVALID, "establishedOn")}
    assert await Partnership.all().count() == 0
    assert await OutboxEvent.all().count() == 0
    today_is_fine = await factories.propose(home, away, established_on=TODAY)
    assert (await partnerships.get(today_is_fine.id)).established_on == TODAY
