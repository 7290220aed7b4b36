"""Domain events (core.events): one wire name each, frozen, aggregate ids, plain payloads."""

from __future__ import annotations

import dataclasses
import inspect
import json

import pytest

from core import events
from core.events import EVENT_TYPES, Event

ALL = [
    cls
    for _, cls in inspect.getmembers(events, inspect.isclass)
    if issubclass(cls, Event) and cls is not Event
]

SAMPLES: dict[str, Event] = {
    "partnership.proposed": events.PartnershipProposed(
        partnership_id=7, indonesian_region_id=1, foreign_region_id=2, kind="sister_city",
        stage="identification",
    ),
    "partnership.stage_advanced": events.StageAdvanced(
        partnership_id=7, from_stage="identification", to_stage="exploration",
        status="in_preparation", round=1, reason="visit",
    ),
    "partnership.abandoned": events.PartnershipAbandoned(
        partnership_id=7, stage="exploration", reason="x"
    ),
    "partnership.terminated": events.PartnershipTerminated(
        partnership_id=7, stage="implementation", reason="x"
    ),
    "partnership.expired": events.PartnershipExpired(
        partnership_id=7, stage="implementation", valid_until="2030-01-09"
    ),
    "partnership.document_added": events.DocumentAdded(
        partnership_id=7, document_id=3, document_type="work_plan"
    ),
    "partnership.approval_recorded": events.ApprovalRecorded(
        partnership_id=7, approval_id=4, approval_type="dprd", decision="approved"
    ),
    "program.created": events.ProgramCreated(
        partnership_id=7, program_id=9, area="education", status="planned"
    ),
    "program.updated": events.ProgramUpdated(partnership_id=7, program_id=9, changed=("title",)),
    "program.activity_recorded": events.ActivityRecorded(
        partnership_id=7, program_id=9, activity_id=11, direction="inbound", participants=12,
        occurred_on="2026-05-01",
    ),
}  # fmt: skip


def test_every_event_class_is_registered_under_its_type_once() -> None:
    assert sorted(EVENT_TYPES) == sorted(cls.TYPE for cls in ALL)
    assert len({cls.TYPE for cls in ALL}) == len(ALL)
    for type_, cls in EVENT_TYPES.items():
        assert cls.TYPE == type_
        assert dataclasses.is_dataclass(cls)


def test_the_partnership_and_program_events_are_registered() -> None:
    # Other events (e.g. evaluation.*) may be added by other modules; these ten must stay.
    assert set(SAMPLES) <= set(EVENT_TYPES)
    assert len(SAMPLES) == 10
    for type_, event in SAMPLES.items():
        assert type(event) is EVENT_TYPES[type_]


@pytest.mark.parametrize("type_", sorted(SAMPLES))
def test_events_are_frozen_versioned_and_serialise_to_plain_json(type_: str) -> None:
    event = SAMPLES[type_]
    assert event.VERSION >= 1
    field = dataclasses.fields(event)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(event, field, 0)
    payload = dataclasses.asdict(event)
    assert json.loads(json.dumps(payload)) == {
        k: list(v) if isinstance(v, tuple) else v for k, v in payload.items()
    }
    assert "TYPE" not in payload and "AGGREGATE" not in payload


@pytest.mark.parametrize("type_", sorted(SAMPLES))
def test_the_aggregate_of_an_event_names_its_record(type_: str) -> None:
    event = SAMPLES[type_]
    if type_.startswith("program."):
        assert (event.AGGREGATE, event.aggregate_id()) == ("program", "9")
    else:
        assert (event.AGGREGATE, event.aggregate_id()) == ("partnership", "7")


def test_events_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        events.PartnershipAbandoned(7, "exploration", "x")  # type: ignore[misc]
