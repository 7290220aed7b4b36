"""Domain events: small frozen facts in the past tense, one type each, versioned.

``TYPE`` is the wire name (``partnership.stage_advanced``), ``VERSION`` its schema version and
``AGGREGATE`` the kind of record it is about. Payloads hold ids and values, never ORM objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, kw_only=True)
class Event:
    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1
    AGGREGATE: ClassVar[str] = "partnership"

    def aggregate_id(self) -> str:
        return str(self.partnership_id)  # type: ignore[attr-defined]


@dataclass(frozen=True, kw_only=True)
class PartnershipProposed(Event):
    TYPE = "partnership.proposed"
    partnership_id: int
    indonesian_region_id: int
    foreign_region_id: int
    kind: str
    stage: str


@dataclass(frozen=True, kw_only=True)
class StageAdvanced(Event):
    TYPE = "partnership.stage_advanced"
    partnership_id: int
    from_stage: str
    to_stage: str
    status: str
    round: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class PartnershipAbandoned(Event):
    TYPE = "partnership.abandoned"
    partnership_id: int
    stage: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class PartnershipTerminated(Event):
    TYPE = "partnership.terminated"
    partnership_id: int
    stage: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class PartnershipExpired(Event):
    TYPE = "partnership.expired"
    partnership_id: int
    stage: str
    valid_until: str


@dataclass(frozen=True, kw_only=True)
class DocumentAdded(Event):
    TYPE = "partnership.document_added"
    partnership_id: int
    document_id: int
    document_type: str


@dataclass(frozen=True, kw_only=True)
class ApprovalRecorded(Event):
    TYPE = "partnership.approval_recorded"
    partnership_id: int
    approval_id: int
    approval_type: str
    decision: str


@dataclass(frozen=True, kw_only=True)
class ProgramCreated(Event):
    TYPE = "program.created"
    AGGREGATE = "program"
    partnership_id: int
    program_id: int
    area: str
    status: str

    def aggregate_id(self) -> str:
        return str(self.program_id)


@dataclass(frozen=True, kw_only=True)
class ProgramUpdated(Event):
    TYPE = "program.updated"
    AGGREGATE = "program"
    partnership_id: int
    program_id: int
    changed: tuple[str, ...]

    def aggregate_id(self) -> str:
        return str(self.program_id)


@dataclass(frozen=True, kw_only=True)
class ActivityRecorded(Event):
    TYPE = "program.activity_recorded"
    AGGREGATE = "program"
    partnership_id: int
    program_id: int
    activity_id: int
    direction: str
    participants: int
    occurred_on: str

    def aggregate_id(self) -> str:
        return str(self.program_id)


@dataclass(frozen=True, kw_only=True)
class EvaluationOpened(Event):
    """A worker opened an evaluation record when the partnership entered evaluation."""

    TYPE = "evaluation.opened"
    partnership_id: int
    evaluation_id: int
    period_start: str
    period_end: str


@dataclass(frozen=True, kw_only=True)
class EvaluationClosed(Event):
    """A worker closed an evaluation record when the partnership left evaluation."""

    TYPE = "evaluation.closed"
    partnership_id: int
    evaluation_id: int
    outcome: str
    recommendation: str | None
    score: int | None


@dataclass(frozen=True, kw_only=True)
class EvaluationFilled(Event):
    """An officer filled in an evaluation's findings, recommendation or score."""

    TYPE = "evaluation.filled"
    partnership_id: int
    evaluation_id: int
    recommendation: str | None
    score: int | None


@dataclass(frozen=True, kw_only=True)
class PartnershipDormant(Event):
    """The watch found no recorded activity on an active partnership for ``months`` months
    (what counts as activity: :mod:`core.services.signals`)."""

    TYPE = "partnership.dormant"
    partnership_id: int
    dormant_since: str
    last_activity_at: str
    months: int


@dataclass(frozen=True, kw_only=True)
class PartnershipReactivated(Event):
    """Activity resumed on a partnership the watch had flagged dormant."""

    TYPE = "partnership.reactivated"
    partnership_id: int
    dormant_since: str
    last_activity_at: str


@dataclass(frozen=True, kw_only=True)
class ExpiryReminderIssued(Event):
    """The agreement in force ends in ``months_before`` months (6 or 1): sent once per term."""

    TYPE = "partnership.expiry_reminder"
    partnership_id: int
    months_before: int
    valid_until: str


EVENT_TYPES: dict[str, type[Event]] = {
    cls.TYPE: cls
    for cls in (
        PartnershipProposed,
        StageAdvanced,
        PartnershipAbandoned,
        PartnershipTerminated,
        PartnershipExpired,
        DocumentAdded,
        ApprovalRecorded,
        ProgramCreated,
        ProgramUpdated,
        ActivityRecorded,
        EvaluationOpened,
        EvaluationClosed,
        EvaluationFilled,
        PartnershipDormant,
        PartnershipReactivated,
        ExpiryReminderIssued,
    )
}
