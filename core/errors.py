"""Typed, expected failures: each names a field (or None), a code and a message for a person."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "invalid"  # a value is malformed or out of range
    REQUIRED = "required"
    NOT_FOUND = "not_found"
    DUPLICATE = "duplicate"  # e.g. a second live partnership for the same pair
    CONFLICT = "conflict"  # optimistic concurrency: someone else changed it first
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    PARTNERSHIP_CLOSED = "partnership_closed"
    ALREADY_SIGNED = "already_signed"
    NOT_SIGNED = "not_signed"
    DOCUMENT_MISSING = "document_missing"
    APPROVAL_MISSING = "approval_missing"
    APPROVAL_REJECTED = "approval_rejected"
    NO_DIPLOMATIC_RELATIONS = "no_diplomatic_relations"
    TERM_MISSING = "term_missing"
    TERM_INVALID = "term_invalid"
    TERM_NOT_ENDED = "term_not_ended"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a request."""

    code: ErrorCode
    message: str
    field: str | None = None


class DomainError(Exception):
    """Raised by services for expected failures; nothing was written when it is raised."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("; ".join(p.message for p in self.problems))

    @classmethod
    def one(cls, code: ErrorCode, message: str, field: str | None = None) -> DomainError:
        return cls(Problem(code=code, message=message, field=field))
