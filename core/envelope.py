"""The envelope an event travels in, from the outbox through Redis to the actors.

The envelope is plain JSON on the wire (``to_json`` / ``from_json``); ``event()`` turns its payload
back into the typed event of :mod:`core.events`. ``seq`` is the outbox row's commit order, carried
for diagnostics and ordering checks; it is not part of the event's identity (``event_id`` is).
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core import clock, correlation
from core.events import EVENT_TYPES, Event
from core.models import OutboxEvent


class UnknownEventType(ValueError):
    """The envelope names an event type (or version) this code does not know."""


@dataclass(frozen=True, kw_only=True)
class Envelope:
    event_id: uuid.UUID
    type: str
    version: int
    occurred_at: datetime
    aggregate_type: str
    aggregate_id: str
    actor: str
    correlation_id: str
    payload: dict[str, Any]
    seq: int | None = None

    @classmethod
    def wrap(cls, event: Event, *, actor: str, correlation_id: str | None = None) -> Envelope:
        """A new envelope around ``event`` (fresh id, occurred now)."""
        return cls(
            event_id=uuid.uuid4(),
            type=event.TYPE,
            version=event.VERSION,
            occurred_at=clock.now(),
            aggregate_type=event.AGGREGATE,
            aggregate_id=event.aggregate_id(),
            actor=actor,
            correlation_id=correlation_id or correlation.current(),
            payload=payload_of(event),
        )

    @classmethod
    def from_row(cls, row: OutboxEvent) -> Envelope:
        return cls(
            event_id=row.event_id
            if isinstance(row.event_id, uuid.UUID)
            else uuid.UUID(row.event_id),
            type=row.type,
            version=row.version,
            occurred_at=row.occurred_at,
            aggregate_type=row.aggregate_type,
            aggregate_id=row.aggregate_id,
            actor=row.actor,
            correlation_id=row.correlation_id,
            payload=dict(row.payload),
            seq=row.seq,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (what a Dramatiq message carries as its one argument)."""
        return {
            "event_id": str(self.event_id),
            "type": self.type,
            "version": self.version,
            "occurred_at": self.occurred_at.isoformat(),
            "aggregate_type": self.aggregate_type,
            "aggregate_id": self.aggregate_id,
            "actor": self.actor,
            "correlation_id": self.correlation_id,
            "payload": self.payload,
            "seq": self.seq,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Envelope:
        try:
            return cls(
                event_id=uuid.UUID(str(data["event_id"])),
                type=str(data["type"]),
                version=int(data["version"]),
                occurred_at=datetime.fromisoformat(str(data["occurred_at"])),
                aggregate_type=str(data["aggregate_type"]),
                aggregate_id=str(data["aggregate_id"]),
                actor=str(data["actor"]),
                correlation_id=str(data["correlation_id"]),
                payload=dict(data["payload"]),
                seq=None if data.get("seq") is None else int(data["seq"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not an event envelope: {exc}") from exc

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> Envelope:
        return cls.from_dict(json.loads(text))

    def event(self) -> Event:
        """The typed event inside; :class:`UnknownEventType` for an unknown type or version."""
        cls = EVENT_TYPES.get(self.type)
        if cls is None or cls.VERSION != self.version:
            raise UnknownEventType(f"{self.type} v{self.version}")
        values = dict(self.payload)
        for field in dataclasses.fields(cls):
            if isinstance(values.get(field.name), list):
                values[field.name] = tuple(values[field.name])
        return cls(**values)

    @property
    def partnership_id(self) -> int | None:
        """The partnership this event concerns, when it concerns one."""
        value = self.payload.get("partnership_id")
        return int(value) if value is not None else None


def payload_of(event: Event) -> dict[str, Any]:
    """The event's fields as JSON values (tuples as lists), as :mod:`core.outbox` stores them."""
    return {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in dataclasses.asdict(event).items()
    }
