"""Topic matching: which events a subscriber's topic and event types select."""

from __future__ import annotations

import pytest

from core.models.subscriber import TopicKind
from core.topics import EventScope, Topic, matches

# Kota Bandung (11) in Jawa Barat (10), Indonesia, with Braunschweig (21) in Niedersachsen (20)
SCOPE = EventScope(
    event_type="partnership.stage_advanced",
    partnership_id=5,
    region_ids=frozenset({11, 10, 21, 20}),
    country_codes=frozenset({"ID", "DE"}),
)


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        (Topic(kind=TopicKind.ALL), True),
        (Topic(kind=TopicKind.PARTNERSHIP, partnership_id=5), True),
        (Topic(kind=TopicKind.PARTNERSHIP, partnership_id=6), False),
        (Topic(kind=TopicKind.PARTNERSHIP), False),
        (Topic(kind=TopicKind.REGION, region_id=11), True),  # the city itself
        (Topic(kind=TopicKind.REGION, region_id=10), True),  # the province it lies in
        (Topic(kind=TopicKind.REGION, region_id=20), True),  # the foreign side's parent
        (Topic(kind=TopicKind.REGION, region_id=12), False),  # another city
        (Topic(kind=TopicKind.REGION), False),
        (Topic(kind=TopicKind.COUNTRY, country_code="DE"), True),
        (Topic(kind=TopicKind.COUNTRY, country_code="ID"), True),
        (Topic(kind=TopicKind.COUNTRY, country_code="JP"), False),
        (Topic(kind=TopicKind.COUNTRY), False),
    ],
)
def test_topic_kinds(topic: Topic, expected: bool) -> None:
    assert matches(topic, SCOPE) is expected


def test_event_types_narrow_any_topic() -> None:
    wanted = Topic(kind=TopicKind.ALL, event_types=("partnership.stage_advanced",))
    other = Topic(kind=TopicKind.PARTNERSHIP, partnership_id=5, event_types=("program.created",))
    assert matches(wanted, SCOPE)
    assert not matches(other, SCOPE)
    assert matches(Topic(kind=TopicKind.ALL, event_types=()), SCOPE)  # empty: every type


def test_event_without_partnership_matches_only_all() -> None:
    bare = EventScope(event_type="partnership.stage_advanced", partnership_id=None)
    assert matches(Topic(kind=TopicKind.ALL), bare)
    assert not matches(Topic(kind=TopicKind.PARTNERSHIP, partnership_id=5), bare)
    assert not matches(Topic(kind=TopicKind.REGION, region_id=11), bare)
    assert not matches(Topic(kind=TopicKind.COUNTRY, country_code="ID"), bare)
