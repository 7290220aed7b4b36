"""Every event type travels through JSON in its envelope and comes back equal."""

from __future__ import annotations

import dataclasses
import json
import typing
import uuid
from datetime import UTC, datetime

import pytest

from core.envelope import Envelope, UnknownEventType
from core.events import EVENT_TYPES, Event


def _sample(cls: type[Event]) -> Event:
    values: dict[str, object] = {}
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        hint = hints[field.name]
        if hint is int or hint == (int | None):
            values[field.name] = 7
        elif hint == tuple[str, ...]:
            values[field.name] = ("budget", "title")
        else:
            values[field.name] = f"{field.name}-value"
    return cls(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_event_type_round_trips_through_json(event_type: str) -> None:
    event = _sample(EVENT_TYPES[event_type])
    envelope = Envelope.wrap(event, actor="officer@bandung", correlation_id="corr-1")
    text = envelope.to_json()
    json.loads(text)  # plain JSON
    back = Envelope.from_json(text)
    assert back == envelope
    assert back.event() == event
    assert back.type == event_type and back.version == event.VERSION
    assert back.aggregate_id == event.aggregate_id()


def test_registry_names_each_type_by_its_wire_name() -> None:
    assert all(cls.TYPE == name for name, cls in EVENT_TYPES.items())
    assert {"evaluation.opened", "evaluation.closed"} <= set(EVENT_TYPES)


def test_envelope_fields_survive_with_their_types() -> None:
    event = _sample(EVENT_TYPES["partnership.stage_advanced"])
    envelope = Envelope(
        event_id=uuid.UUID(int=5),
        type=event.TYPE,
        version=1,
        occurred_at=datetime(2026, 11, 29, 8, 30, tzinfo=UTC),
        aggregate_type="partnership",
        aggregate_id="7",
        actor="a",
        correlation_id="c",
        payload=dataclasses.asdict(event),
        seq=42,
    )
    back = Envelope.from_dict(json.loads(envelope.to_json()))
    assert back.occurred_at.tzinfo is not None and back.occurred_at == envelope.occurred_at
    assert back.event_id == uuid.UUID(int=5) and back.seq == 42
    assert back.partnership_id == 7


def test_unknown_type_or_version_is_refused() -> None:
    envelope = Envelope.wrap(_sample(EVENT_TYPES["program.updated"]), actor="a")
    with pytest.raises(UnknownEventType):
        dataclasses.replace(envelope, type="program.vanished").event()
    with pytest.raises(UnknownEventType):
        dataclasses.replace(envelope, version=99).event()


def test_malformed_envelope_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        Envelope.from_dict({"type": "partnership.proposed"})
