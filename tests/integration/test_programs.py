"""Programs and their activities (core.services.programs) through the real database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from core.enums import Area, Direction, DocumentType, FundingSource, ProgramStatus, ProgramType
from core.errors import DomainError, ErrorCode
from core.models import Activity, OutboxEvent, Partnership, Program
from core.services import partnerships, programs
from core.stages import Stage
from tests import factories
from tests.factories import ACTOR

TODAY = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def today() -> Iterator[date]:
    with factories.frozen(TODAY):
        yield TODAY


def problems(exc: pytest.ExceptionInfo[DomainError]) -> set[tuple[ErrorCode, str | None]]:
    return {(p.code, p.field) for p in exc.value.problems}


async def program(p: Partnership, **values: object) -> Program:
    fields: dict[str, object] = {
        "title": "Green Sister City: waste banks",
        "area": Area.ENVIRONMENT,
        "type": ProgramType.TECHNICAL_PROJECT,
        "actor": ACTOR,
        **values,
    }
    return await programs.create_program(partnership_id=p.id, **fields)  # type: ignore[arg-type]


async def program_events() -> list[OutboxEvent]:
    return list(await OutboxEvent.filter(aggregate_type="program").order_by("seq"))


async def test_create_a_program_stores_it_and_writes_one_event(db: str) -> None:
    p = await factories.at_stage(Stage.IMPLEMENTATION)
    created = await program(
        p,
        title="  Kitakyushu waste management  ",
        status=ProgramStatus.ONGOING,
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        budget=Decimal("1500000000.50"),
        currency=" idr ",
        funding_source=FundingSource.BOTH_PARTIES,
        lead_agency="Dinas Lingkungan Hidup",
        description="composting centres",
        actor="officer-8",
    )
    stored = await programs.get(created.id)
    assert (
        stored.partnership_id,
        stored.title,
        stored.area,
        stored.type,
        stored.status,
        stored.starts_on,
        stored.ends_on,
        stored.budget,
        stored.currency,
        stored.funding_source,
        stored.lead_agency,
        stored.version,
    ) == (
        p.id,
        "Kitakyushu waste management",
        Area.ENVIRONMENT,
        ProgramType.TECHNICAL_PROJECT,
        ProgramStatus.ONGOING,
        date(2026, 1, 1),
        date(2026, 12, 31),
        Decimal("1500000000.50"),
        "IDR",
        FundingSource.BOTH_PARTIES,
        "Dinas Lingkungan Hidup",
        1,
    )
    assert [(e.type, e.aggregate_id, e.actor, e.payload) for e in await program_events()] == [
        (
            "program.created",
            str(created.id),
            "officer-8",
            {
                "partnership_id": p.id,
                "program_id": created.id,
                "area": "environment",
                "status": "ongoing",
            },
        )
    ]


async def test_a_partnership_in_preparation_may_already_run_programs(db: str) -> None:
    p = await factories.at_stage(Stage.EXPLORATION)
    created = await program(p, type=ProgramType.DELEGATION_VISIT)
    assert (await programs.get(created.id)).status is ProgramStatus.PLANNED


BAD_PROGRAMS = [
    pytest.param({"title": ""}, (ErrorCode.REQUIRED, "title"), id="empty title"),
    pytest.param({"title": "   "}, (ErrorCode.REQUIRED, "title"), id="blank title"),
    pytest.param({"title": "t" * 301}, (ErrorCode.INVALID, "title"), id="title too long"),
    pytest.param(
        {"starts_on": date(2026, 5, 2), "ends_on": date(2026, 5, 1)},
        (ErrorCode.INVALID, "endsOn"),
        id="ends before it starts",
    ),
    pytest.param({"budget": Decimal("-0.01")}, (ErrorCode.INVALID, "budget"), id="negative budget"),
    pytest.param(
        {"budget": Decimal("10000000000000000")},
        (ErrorCode.INVALID, "budget"),
        id="budget too large",
    ),
    pytest.param({"currency": "rupiah"}, (ErrorCode.INVALID, "currency"), id="currency a word"),
    pytest.param({"currency": "ID"}, (ErrorCode.INVALID, "currency"), id="currency two letters"),
    pytest.param({"currency": "I1R"}, (ErrorCode.INVALID, "currency"), id="currency with digit"),
    pytest.param({"currency": ""}, (ErrorCode.INVALID, "currency"), id="currency empty"),
    pytest.param(
        {"lead_agency": "a" * 201}, (ErrorCode.INVALID, "leadAgency"), id="lead agency too long"
    ),
]


@pytest.mark.parametrize(("values", "expected"), BAD_PROGRAMS)
async def test_a_bad_program_is_refused_and_nothing_is_written(
    db: str, values: dict[str, object], expected: tuple[ErrorCode, str]
) -> None:
    p = await factories.at_stage(Stage.IMPLEMENTATION)
    outbox = await OutboxEvent.all().count()
    with pytest.raises(DomainError) as exc:
        await program(p, **values)
    assert problems(exc) == {expected}
    assert await Program.all().count() == 0
    assert await OutboxEvent.all().count() == outbox


async def test_the_largest_budget_is_accepted(db: str) -> None:
    p = await factories.at_stage(Stage.IMPLEMENTATION)
    created = await program(p, budget=programs.MAX_BUDGET, currency="JPY")
    stored = await programs.get(created.id)
    assert (stored.budget, stored.currency) == (Decimal("9999999999999999.99"), "JPY")


async def test_a_closed_partnership_takes_no_new_programs(db: str) -> None:
    p = await factories.pair()
    p = await partnerships.abandon(
        partnership_id=p.id, expected_version=p.version, reason="declined", actor=ACTOR
    )
    with pytest.raises(DomainError) as exc:
        await program(p)
    assert problems(exc) == {(ErrorCode.PARTNERSHIP_CLOSED, "partnershipId")}
    assert await Program.all().count() == 0


async def test_a_program_for_an_unknown_partnership_is_not_found(db: str) -> None:
    with pytest.raises(DomainError) as exc:
        await programs.create_program(
            partnership_id=404,
            title="x",
            area=Area.CULTURE,
            type=ProgramType.CULTURAL_FESTIVAL,
            actor=ACTOR,
        )
    assert problems(exc) == {(ErrorCode.NOT_FOUND, "partnershipId")}


# --- update -------------------------------------------------------------------------------------


async def test_update_changes_only_the_given_fields_bumps_the_version_and_writes_one_event(
    db: str,
) -> None:
    p = await factories.at_stage(Stage.IMPLEMENTATION)
    created = await program(p, starts_on=date(2026, 1, 1), budget=Decimal("100"))
    before = len(await program_events())
    updated = await programs.update_program(
        program_id=created.id,
        expected_version=1,
        title=" Waste banks, phase 2 ",
        status=ProgramStatus.ONGOING,
        ends_on=date(2026, 12, 31),
        currency="usd",
        budget=None,  # None means unchanged
        actor="officer-4",
    )
    assert updated.version == 2
    stored = await programs.get(created.id)
    assert (
        stored.title,
        stored.status,
        stored.starts_on,
        stored.ends_on,
        stored.budget,
        stored.currency,
        stored.version,
    ) == (
        "Waste banks, phase 2",
        ProgramStatus.ONGOING,
        date(2026, 1, 1),
        date(2026, 12, 31),
        Decimal("100"),
        "USD",
        2,
    )
    events = (await program_events())[before:]
    assert [(e.type, e.actor, e.payload["changed"]) for e in events] == [
        ("program.updated", "officer-4", ["currency", "ends_on", "status", "title"])
    ]


async def test_update_with_a_stale_version_is_a_conflict_and_changes_nothing(db: str) -> None:
    p = await factories.at_stage(Stage.IMPLEMENTATION)
    created = await program(p)
    await programs.update_program(
        program_id=created.id, expected_version=1, title="v2", actor=ACTOR
    )
    events = await OutboxEvent.all().count()
    with pytest.raises(DomainError) as exc:
        await programs.update_program(
            program_id=created.id, expected_version=1, title="lost update", actor=ACTOR
        )
    assert problems(exc) == {(ErrorCode.CONFLICT, "expectedVersion")}
    stored = await programs.get(created.id)
    assert (stored.title, stored.version) == ("v2", 2)
    assert await OutboxEvent.all().count() == events


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"ends_on": date(2025, 12, 31)}, (ErrorCode.INVALID, "endsOn")),  # before stored start
        ({"title": "  "}, (ErrorCode.REQUIRED, "title")),
        ({"budget": Decimal("-5")}, (ErrorCode.INVALID, "budget")),
        ({"currency": "euro"}, (ErrorCode.INVALID, "currency")),
    ],
    ids=["ends before the stored start", "blank title", "negative budget", "bad currency"],
)
async def test_update_validates_the_merged_program(
    db: str, values: dict[str, object], expected: tuple[ErrorCode, str]
) -> None:
    p = await factories.at_stage(Stage.IMPLEMENTATION)
    created = await program(p, starts_on=date(2026, 1, 1))
    with pytest.raises(DomainError) as exc:
        await programs.update_program(program_id=created.id, actor=ACTOR, **values)
    assert problems(exc) == {expected}
    stored = await programs.get(created.id)
    assert (stored.version, stored.ends_on, stored.title) == (1, None, created.title)


async def test_update_of_an_unknown_program_is_not_found(db: str) -> None:
    with pytest.raises(DomainError) as exc:
        await programs.update_program(program_id=404, title="x", actor=ACTOR)
    assert problems(exc) == {(ErrorCode.NOT_FOUND, "id")}


async def test_update_refuses_unknown_fields(db: str) -> None:
    p = await factories.at_stage(Stage.IMPLEMENTATION)
    created = await program(p)
    with pytest.raises(TypeError, match="partnership_id"):
        await programs.update_program(program_id=created.id, partnership_id=7, actor=ACTOR)
    assert (await programs.get(created.id)).version == 1


# --- activities ---------------------------------------------------------------------------------


async def test_record_an_activity_with_one_event(db: str) -> None:
    p = await factories.at_stage(Stage.IMPLEMENTATION)
    created = await program(p)
    activity = await programs.record_activity(
        program_id=created.id,
        occurred_on=TODAY,
        direction=Direction.OUTBOUND,
        participants=0,
        description="virtual workshop",
        actor="officer-1",
    )
    stored = await Activity.get(id=activity.id)
    assert (stored.program_id, stored.occurred_on, stored.direction, stored.participants) == (
        created.id,
        TODAY,
        Direction.OUTBOUND,
        0,
    )
    last = (await program_events())[-1]
    assert (last.type, last.actor, last.payload) == (
        "program.activity_recorded",
        "officer-1",
        {
            "partnership_id": p.id,
            "program_id": created.id,
            "activity_id": activity.id,
            "direction": "outbound",
            "participants": 0,
            "occurred_on": "2026-06-01",
        },
    )


BAD_ACTIVITIES = [
    pytest.param({"participants": -1}, (ErrorCode.INVALID, "participants"), id="negative"),
    pytest.param(
        {"participants": 1_000_001}, (ErrorCode.INVALID, "participants"), id="implausible"
    ),
    pytest.param(
        {"occurred_on": date(2026, 6, 2)}, (ErrorCode.INVALID, "occurredOn"), id="in the future"
    ),
    pytest.param(
        {"description": "d" * 10_001}, (ErrorCode.INVALID, "description"), id="description long"
    ),
]


@pytest.mark.parametrize(("values", "expected"), BAD_ACTIVITIES)
async def test_a_bad_activity_is_refused_and_nothing_is_written(
    db: str, values: dict[str, object], expected: tuple[ErrorCode, str]
) -> None:
    p = await factories.at_stage(Stage.IMPLEMENTATION)
    created = await program(p)
    events = await OutboxEvent.all().count()
    fields: dict[str, object] = {
        "occurred_on": TODAY,
        "direction": Direction.INBOUND,
        "participants": 12,
        **values,
    }
    with pytest.raises(DomainError) as exc:
        await programs.record_activity(program_id=created.id, actor=ACTOR, **fields)  # type: ignore[arg-type]
    assert problems(exc) == {expected}
    assert await Activity.all().count() == 0
    assert await OutboxEvent.all().count() == events


async def test_a_cancelled_program_takes_no_activities(db: str) -> None:
    p = await factories.at_stage(Stage.IMPLEMENTATION)
    created = await program(p)
    await programs.record_activity(
        program_id=created.id,
        occurred_on=TODAY,
        direction=Direction.INBOUND,
        participants=3,
        actor=ACTOR,
    )
    await programs.update_program(
        program_id=created.id, status=ProgramStatus.CANCELLED, actor=ACTOR
    )
    with pytest.raises(DomainError) as exc:
        await programs.record_activity(
            program_id=created.id,
            occurred_on=TODAY,
            direction=Direction.INBOUND,
            participants=3,
            actor=ACTOR,
        )
    assert problems(exc) == {(ErrorCode.INVALID, "programId")}
    assert await Activity.filter(program_id=created.id).count() == 1


async def test_an_activity_for_an_unknown_program_is_not_found(db: str) -> None:
    with pytest.raises(DomainError) as exc:
        await programs.record_activity(
            program_id=404,
            occurred_on=TODAY,
            direction=Direction.INBOUND,
            participants=1,
            actor=ACTOR,
        )
    assert problems(exc) == {(ErrorCode.NOT_FOUND, "programId")}


async def test_a_termination_notice_document_does_not_touch_programs(db: str) -> None:
    # programs of a partnership survive its termination, with their activities
    p = await factories.at_stage(Stage.IMPLEMENTATION)
    created = await program(p)
    await programs.record_activity(
        program_id=created.id,
        occurred_on=TODAY,
        direction=Direction.INBOUND,
        participants=40,
        actor=ACTOR,
    )
    await factories.document(p, DocumentType.TERMINATION_NOTICE)
    current = await partnerships.get(p.id)
    await partnerships.terminate(
        partnership_id=p.id, expected_version=current.version, reason="notice", actor=ACTOR
    )
    assert await Program.filter(partnership_id=p.id).count() == 1
    assert await Activity.filter(program_id=created.id).count() == 1
