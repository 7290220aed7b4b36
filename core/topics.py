"""Whether an event concerns a subscriber: its topic (one partnership, a region and everything
inside it, a country, or all) and the event types it asked for. Pure: the caller gathers the
facts about the event's partnership (:class:`EventScope`)."""

from __future__ import annotations

from dataclasses import dataclass

from core.models.subscriber import TopicKind


@dataclass(frozen=True, slots=True)
class EventScope:
    """What an event is about: its type, its partnership, both regions of that partnership with
    every region they lie inside (parents), and the countries of both regions."""

    event_type: str
    partnership_id: int | None
    region_ids: frozenset[int] = frozenset()
    country_codes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Topic:
    """What a subscriber follows; ``event_types`` empty means every type."""

    kind: TopicKind
    partnership_id: int | None = None
    region_id: int | None = None
    country_code: str | None = None
    event_types: tuple[str, ...] = ()


def matches(topic: Topic, scope: EventScope) -> bool:
    """True when an event with ``scope`` is one the subscriber of ``topic`` wants."""
    if topic.event_types and scope.event_type not in topic.event_types:
        return False
    if topic.kind is TopicKind.ALL:
        return True
    if topic.kind is TopicKind.PARTNERSHIP:
        return topic.partnership_id is not None and topic.partnership_id == scope.partnership_id
    if topic.kind is TopicKind.REGION:
        return topic.region_id is not None and topic.region_id in scope.region_ids
    if topic.kind is TopicKind.COUNTRY:
        return topic.country_code is not None and topic.country_code in scope.country_codes
    return False
