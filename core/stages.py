"""The partnership stage machine: stages, statuses, transitions and their guards. Pure: no I/O.

A service gathers the :class:`Facts` of one partnership, asks :func:`plan` what an action would do,
and either applies the returned :class:`Outcome` or reports the returned problems, each of which
names exactly what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from core.enums import ApprovalType, Decision, DocumentType
from core.errors import ErrorCode, Problem


class Stage(StrEnum):
    IDENTIFICATION = "identification"  # Identifikasi Potensi
    EXPLORATION = "exploration"  # Penjajakan Awal
    NEGOTIATION = "negotiation"  # Perundingan dan Penandatanganan
    IMPLEMENTATION = "implementation"  # Pelaksanaan Program
    EVALUATION = "evaluation"  # Evaluasi dan Monitoring


class Status(StrEnum):
    IN_PREPARATION = "in_preparation"  # not signed yet
    ACTIVE = "active"  # an agreement is in force
    ABANDONED = "abandoned"  # given up before signing
    TERMINATED = "terminated"  # ended with a notice
    EXPIRED = "expired"  # the term ran out without renewal


LIVE_STATUSES = frozenset({Status.IN_PREPARATION, Status.ACTIVE})


class Action(StrEnum):
    PROPOSE = "propose"  # history only: the partnership was created
    ADVANCE = "advance"
    ABANDON = "abandon"
    TERMINATE = "terminate"
    EXPIRE = "expire"


# Every stage move the domain allows (DOMAIN.md): forward; from evaluation back to implementation
# (continue or revise) or to negotiation (renew).
ADVANCES: frozenset[tuple[Stage, Stage]] = frozenset(
    {
        (Stage.IDENTIFICATION, Stage.EXPLORATION),
        (Stage.EXPLORATION, Stage.NEGOTIATION),
        (Stage.NEGOTIATION, Stage.IMPLEMENTATION),
        (Stage.IMPLEMENTATION, Stage.EVALUATION),
        (Stage.EVALUATION, Stage.IMPLEMENTATION),
        (Stage.EVALUATION, Stage.NEGOTIATION),
    }
)

# Approvals that signing needs (PP 28/2018, Permendagri 25/2020, the Kemlu full powers).
SIGNING_APPROVALS: tuple[ApprovalType, ...] = (
    ApprovalType.DPRD,
    ApprovalType.KEMENDAGRI_VERIFICATION,
    ApprovalType.GOVERNMENT_APPROVAL,
    ApprovalType.FULL_POWERS,
)


@dataclass(frozen=True, slots=True)
class Term:
    signed_on: date | None
    valid_from: date | None
    valid_until: date | None


@dataclass(frozen=True, slots=True)
class Facts:
    """What the guards look at, for one partnership at one moment."""

    stage: Stage
    status: Status
    round: int  # agreement round: 1 for the first agreement, +1 for each renewal negotiation
    today: date
    diplomatic_relations: bool
    documents_in_round: frozenset[DocumentType] = frozenset()
    documents_in_stage: frozenset[DocumentType] = frozenset()
    approvals_in_round: dict[ApprovalType, Decision] = field(default_factory=dict)  # latest
    agreement: Term | None = None  # the latest signed agreement of this round
    valid_until: date | None = None  # the term in force


@dataclass(frozen=True, slots=True)
class Outcome:
    """The state after an allowed action."""

    stage: Stage
    status: Status
    round: int
    renewed: bool = False  # a renewal was signed
    term: Term | None = None  # set when an agreement is signed


def plan(facts: Facts, action: Action, to: Stage | None = None) -> Outcome | list[Problem]:
    """What ``action`` would do to a partnership with these facts, or every problem refusing it."""
    if facts.status not in LIVE_STATUSES:
        return [
            Problem(
                ErrorCode.PARTNERSHIP_CLOSED,
                f"the partnership is {facts.status.value}; nothing more can change its stage",
                "status",
            )
        ]
    if action is Action.ADVANCE:
        if to is None:
            return [Problem(ErrorCode.REQUIRED, "a target stage is required", "to")]
        return _advance(facts, to)
    if action is Action.ABANDON:
        if facts.status is not Status.IN_PREPARATION:
            return [
                Problem(
                    ErrorCode.ALREADY_SIGNED,
                    "a signed partnership cannot be abandoned; terminate it with a notice",
                    "status",
                )
            ]
        return Outcome(stage=facts.stage, status=Status.ABANDONED, round=facts.round)
    if action is Action.TERMINATE:
        problems = []
        if facts.status is not Status.ACTIVE:
            problems.append(
                Problem(
                    ErrorCode.NOT_SIGNED,
                    "only a signed partnership can be terminated; abandon it instead",
                    "status",
                )
            )
        if DocumentType.TERMINATION_NOTICE not in facts.documents_in_round:
            problems.append(_missing_document(DocumentType.TERMINATION_NOTICE))
        if problems:
            return problems
        return Outcome(stage=facts.stage, status=Status.TERMINATED, round=facts.round)
    if action is not Action.EXPIRE:
        return [Problem(ErrorCode.TRANSITION_NOT_ALLOWED, f"{action.value} is not a transition")]
    if facts.status is not Status.ACTIVE:
        return [Problem(ErrorCode.NOT_SIGNED, "only a signed agreement can expire", "status")]
    if facts.valid_until is None or facts.valid_until >= facts.today:
        return [
            Problem(
                ErrorCode.TERM_NOT_ENDED,
                f"the agreement is valid until {facts.valid_until}; it has not ended",
                "validUntil",
            )
        ]
    return Outcome(stage=facts.stage, status=Status.EXPIRED, round=facts.round)


def _advance(facts: Facts, to: Stage) -> Outcome | list[Problem]:
    if (facts.stage, to) not in ADVANCES:
        allowed = sorted(t.value for s, t in ADVANCES if s is facts.stage)
        return [
            Problem(
                ErrorCode.TRANSITION_NOT_ALLOWED,
                f"a partnership in {facts.stage.value} can move to {', '.join(allowed)}, "
                f"not to {to.value}",
                "to",
            )
        ]
    problems = _guard(facts, to)
    if problems:
        return problems
    if to is Stage.IMPLEMENTATION and facts.stage is Stage.NEGOTIATION:
        return Outcome(
            stage=to,
            status=Status.ACTIVE,
            round=facts.round,
            renewed=facts.round > 1,
            term=facts.agreement,
        )
    if to is Stage.NEGOTIATION and facts.stage is Stage.EVALUATION:
        return Outcome(stage=to, status=facts.status, round=facts.round + 1)
    return Outcome(stage=to, status=facts.status, round=facts.round)


def _guard(facts: Facts, to: Stage) -> list[Problem]:
    problems: list[Problem] = []
    if facts.stage in (Stage.IDENTIFICATION, Stage.EXPLORATION, Stage.NEGOTIATION) and (
        not facts.diplomatic_relations
    ):
        problems.append(
            Problem(
                ErrorCode.NO_DIPLOMATIC_RELATIONS,
                "Indonesia has no diplomatic relations with the partner's country",
                "foreignRegion",
            )
        )
    if facts.stage is Stage.IDENTIFICATION:
        if not facts.documents_in_round & {
            DocumentType.FEASIBILITY_STUDY,
            DocumentType.OFFER_LETTER,
        }:
            problems.append(
                Problem(
                    ErrorCode.DOCUMENT_MISSING,
                    "a feasibility study (kajian) or an offer letter is required",
                    f"documents.{DocumentType.FEASIBILITY_STUDY.value}",
                )
            )
    elif facts.stage is Stage.EXPLORATION:
        if DocumentType.LETTER_OF_INTENT not in facts.documents_in_round:
            problems.append(_missing_document(DocumentType.LETTER_OF_INTENT))
    elif facts.stage is Stage.NEGOTIATION:
        problems += _signing_problems(facts)
    elif facts.stage is Stage.EVALUATION:
        if DocumentType.EVALUATION_REPORT not in facts.documents_in_stage:
            problems.append(
                Problem(
                    ErrorCode.DOCUMENT_MISSING,
                    "an evaluation report recorded during this evaluation is required",
                    f"documents.{DocumentType.EVALUATION_REPORT.value}",
                )
            )
    return problems


def _signing_problems(facts: Facts) -> list[Problem]:
    problems: list[Problem] = []
    if DocumentType.WORK_PLAN not in facts.documents_in_round:
        problems.append(_missing_document(DocumentType.WORK_PLAN))
    for kind in SIGNING_APPROVALS:
        decision = facts.approvals_in_round.get(kind)
        if decision is None:
            problems.append(
                Problem(
                    ErrorCode.APPROVAL_MISSING,
                    f"the {_APPROVAL_NAMES[kind]} is required",
                    f"approvals.{kind.value}",
                )
            )
    for kind, decision in sorted(facts.approvals_in_round.items()):
        if decision is Decision.REJECTED:
            problems.append(
                Problem(
                    ErrorCode.APPROVAL_REJECTED,
                    f"the {_APPROVAL_NAMES[kind]} was rejected",
                    f"approvals.{kind.value}",
                )
            )
    agreement = facts.agreement
    if agreement is None:
        problems.append(_missing_document(DocumentType.SIGNED_AGREEMENT))
    elif agreement.valid_from is None or agreement.valid_until is None:
        problems.append(
            Problem(
                ErrorCode.TERM_MISSING,
                "the signed agreement needs its term (valid from, valid until)",
                "agreement.term",
            )
        )
    elif agreement.valid_until <= agreement.valid_from:
        problems.append(
            Problem(
                ErrorCode.TERM_INVALID,
                "the agreement's term must end after it starts",
                "agreement.term",
            )
        )
    elif agreement.valid_until < facts.today:
        problems.append(
            Problem(
                ErrorCode.TERM_INVALID,
                f"the agreement's term ended on {agreement.valid_until}",
                "agreement.term",
            )
        )
    return problems


def _missing_document(kind: DocumentType) -> Problem:
    return Problem(
        ErrorCode.DOCUMENT_MISSING,
        f"a {_DOCUMENT_NAMES[kind]} is required",
        f"documents.{kind.value}",
    )


_DOCUMENT_NAMES = {
    DocumentType.OFFER_LETTER: "offer letter",
    DocumentType.FEASIBILITY_STUDY: "feasibility study (kajian)",
    DocumentType.LETTER_OF_INTENT: "letter of intent (Pernyataan Kehendak) signed by both heads",
    DocumentType.WORK_PLAN: "work plan (Rencana Kerja Sama)",
    DocumentType.PLAN_OF_ACTION: "plan of action",
    DocumentType.DRAFT_AGREEMENT: "draft agreement",
    DocumentType.SIGNED_AGREEMENT: "signed agreement (Naskah Kerja Sama)",
    DocumentType.EVALUATION_REPORT: "evaluation report",
    DocumentType.TERMINATION_NOTICE: "termination notice",
}

_APPROVAL_NAMES = {
    ApprovalType.DPRD: "DPRD (regional parliament) approval",
    ApprovalType.KEMENDAGRI_VERIFICATION: "Ministry of Home Affairs (Kemendagri) verification",
    ApprovalType.GOVERNMENT_APPROVAL: "government approval",
    ApprovalType.FULL_POWERS: "full powers from the Foreign Minister (Kemlu)",
    ApprovalType.PARTNER: "partner's approval",
}
