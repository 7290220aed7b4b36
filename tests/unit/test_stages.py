"""The pure stage machine (core.stages.plan): every transition, guard and refusal. No I/O."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date, timedelta

import pytest

from core.enums import ApprovalType, Decision, DocumentType
from core.errors import ErrorCode, Problem
from core.stages import (
    ADVANCES,
    LIVE_STATUSES,
    SIGNING_APPROVALS,
    Action,
    Facts,
    Outcome,
    Stage,
    Status,
    Term,
    plan,
)

TODAY = date(2026, 6, 1)
AGREEMENT = Term(
    signed_on=date(2025, 1, 10), valid_from=date(2025, 1, 10), valid_until=date(2030, 1, 9)
)
ALL_APPROVED = {kind: Decision.APPROVED for kind in SIGNING_APPROVALS}
SIGNED = frozenset({Status.ACTIVE})
CLOSED = [s for s in Status if s not in LIVE_STATUSES]
D = DocumentType


def ready(stage: Stage, **changes: object) -> Facts:
    """Facts of a partnership in ``stage`` whose guards for leaving it are all satisfied."""
    base: dict[Stage, Facts] = {
        Stage.IDENTIFICATION: Facts(
            stage=Stage.IDENTIFICATION,
            status=Status.IN_PREPARATION,
            round=1,
            today=TODAY,
            diplomatic_relations=True,
            documents_in_round=frozenset({D.FEASIBILITY_STUDY}),
            documents_in_stage=frozenset({D.FEASIBILITY_STUDY}),
        ),
        Stage.EXPLORATION: Facts(
            stage=Stage.EXPLORATION,
            status=Status.IN_PREPARATION,
            round=1,
            today=TODAY,
            diplomatic_relations=True,
            documents_in_round=frozenset({D.FEASIBILITY_STUDY, D.LETTER_OF_INTENT}),
            documents_in_stage=frozenset({D.LETTER_OF_INTENT}),
        ),
        Stage.NEGOTIATION: Facts(
            stage=Stage.NEGOTIATION,
            status=Status.IN_PREPARATION,
            round=1,
            today=TODAY,
            diplomatic_relations=True,
            documents_in_round=frozenset({D.LETTER_OF_INTENT, D.WORK_PLAN, D.SIGNED_AGREEMENT}),
            documents_in_stage=frozenset({D.WORK_PLAN, D.SIGNED_AGREEMENT}),
            approvals_in_round=dict(ALL_APPROVED),
            agreement=AGREEMENT,
        ),
        Stage.IMPLEMENTATION: Facts(
            stage=Stage.IMPLEMENTATION,
            status=Status.ACTIVE,
            round=1,
            today=TODAY,
            diplomatic_relations=True,
            documents_in_round=frozenset({D.WORK_PLAN, D.SIGNED_AGREEMENT}),
            approvals_in_round=dict(ALL_APPROVED),
            agreement=AGREEMENT,
            valid_until=AGREEMENT.valid_until,
        ),
        Stage.EVALUATION: Facts(
            stage=Stage.EVALUATION,
            status=Status.ACTIVE,
            round=1,
            today=TODAY,
            diplomatic_relations=True,
            documents_in_round=frozenset({D.WORK_PLAN, D.SIGNED_AGREEMENT, D.EVALUATION_REPORT}),
            documents_in_stage=frozenset({D.EVALUATION_REPORT}),
            approvals_in_round=dict(ALL_APPROVED),
            agreement=AGREEMENT,
            valid_until=AGREEMENT.valid_until,
        ),
    }
    return dataclasses.replace(base[stage], **changes)


def codes(result: Outcome | list[Problem]) -> set[tuple[ErrorCode, str | None]]:
    """The (code, field) of every problem; fails the test if ``result`` is an Outcome."""
    assert isinstance(result, list), f"expected problems, got {result!r}"
    assert result, "a refusal must name at least one problem"
    assert all(p.message for p in result)
    return {(p.code, p.field) for p in result}


def without(documents: frozenset[DocumentType], *kinds: DocumentType) -> frozenset[DocumentType]:
    return documents - set(kinds)


# --- every allowed transition -------------------------------------------------------------------

ALLOWED = [
    pytest.param(
        ready(Stage.IDENTIFICATION),
        Stage.EXPLORATION,
        Outcome(Stage.EXPLORATION, Status.IN_PREPARATION, 1),
        id="identification->exploration",
    ),
    pytest.param(
        ready(Stage.EXPLORATION),
        Stage.NEGOTIATION,
        Outcome(Stage.NEGOTIATION, Status.IN_PREPARATION, 1),
        id="exploration->negotiation",
    ),
    pytest.param(
        ready(Stage.NEGOTIATION),
        Stage.IMPLEMENTATION,
        Outcome(Stage.IMPLEMENTATION, Status.ACTIVE, 1, renewed=False, term=AGREEMENT),
        id="negotiation->implementation (first signing)",
    ),
    pytest.param(
        ready(Stage.NEGOTIATION, status=Status.ACTIVE, round=2),
        Stage.IMPLEMENTATION,
        Outcome(Stage.IMPLEMENTATION, Status.ACTIVE, 2, renewed=True, term=AGREEMENT),
        id="negotiation->implementation (renewal signed)",
    ),
    pytest.param(
        ready(Stage.IMPLEMENTATION),
        Stage.EVALUATION,
        Outcome(Stage.EVALUATION, Status.ACTIVE, 1),
        id="implementation->evaluation",
    ),
    pytest.param(
        ready(Stage.IMPLEMENTATION, round=3),
        Stage.EVALUATION,
        Outcome(Stage.EVALUATION, Status.ACTIVE, 3),
        id="implementation->evaluation (round kept)",
    ),
    pytest.param(
        ready(Stage.EVALUATION),
        Stage.IMPLEMENTATION,
        Outcome(Stage.IMPLEMENTATION, Status.ACTIVE, 1),
        id="evaluation->implementation (continue)",
    ),
    pytest.param(
        ready(Stage.EVALUATION),
        Stage.NEGOTIATION,
        Outcome(Stage.NEGOTIATION, Status.ACTIVE, 2),
        id="evaluation->negotiation (renewal: round+1)",
    ),
    pytest.param(
        ready(Stage.EVALUATION, round=2),
        Stage.NEGOTIATION,
        Outcome(Stage.NEGOTIATION, Status.ACTIVE, 3),
        id="evaluation->negotiation (second renewal)",
    ),
]


@pytest.mark.parametrize(("facts", "to", "expected"), ALLOWED)
def test_every_allowed_transition_with_its_guards_satisfied_gives_the_right_outcome(
    facts: Facts, to: Stage, expected: Outcome
) -> None:
    assert plan(facts, Action.ADVANCE, to) == expected


def test_the_allowed_table_covers_every_pair_in_advances() -> None:
    covered = {(p.values[0].stage, p.values[1]) for p in ALLOWED}
    assert covered == ADVANCES
    assert len(ADVANCES) == 6


def test_signing_takes_the_term_of_the_agreement_not_an_earlier_one() -> None:
    new_term = Term(date(2026, 5, 1), date(2026, 5, 1), date(2031, 4, 30))
    facts = ready(
        Stage.NEGOTIATION,
        status=Status.ACTIVE,
        round=2,
        agreement=new_term,
        valid_until=date(2030, 1, 9),
    )
    outcome = plan(facts, Action.ADVANCE, Stage.IMPLEMENTATION)
    assert isinstance(outcome, Outcome)
    assert outcome.term == new_term
    assert outcome.renewed is True


def test_a_signed_partnership_leaves_implementation_without_diplomatic_guards() -> None:
    # Relations are a pre-signing guard; an agreement in force runs its course.
    outcome = plan(
        ready(Stage.IMPLEMENTATION, diplomatic_relations=False), Action.ADVANCE, Stage.EVALUATION
    )
    assert outcome == Outcome(Stage.EVALUATION, Status.ACTIVE, 1)


@pytest.mark.parametrize("document", [D.FEASIBILITY_STUDY, D.OFFER_LETTER])
def test_identification_needs_a_feasibility_study_or_an_offer_letter_either_will_do(
    document: DocumentType,
) -> None:
    facts = ready(Stage.IDENTIFICATION, documents_in_round=frozenset({document}))
    assert plan(facts, Action.ADVANCE, Stage.EXPLORATION) == Outcome(
        Stage.EXPLORATION, Status.IN_PREPARATION, 1
    )


# --- every disallowed pair ----------------------------------------------------------------------

DISALLOWED = [(a, b) for a, b in itertools.product(Stage, Stage) if (a, b) not in ADVANCES]


def test_there_are_nineteen_disallowed_pairs() -> None:
    assert len(DISALLOWED) == 25 - 6


@pytest.mark.parametrize(
    ("source", "to"), DISALLOWED, ids=[f"{a.value}->{b.value}" for a, b in DISALLOWED]
)
def test_every_pair_not_in_advances_is_refused(source: Stage, to: Stage) -> None:
    result = plan(ready(source), Action.ADVANCE, to)
    assert codes(result) == {(ErrorCode.TRANSITION_NOT_ALLOWED, "to")}
    assert isinstance(result, list) and len(result) == 1
    allowed = sorted(t.value for s, t in ADVANCES if s is source)
    for name in allowed:
        assert name in result[0].message


@pytest.mark.parametrize(("source", "to"), DISALLOWED[:5])
def test_a_disallowed_pair_is_refused_before_any_guard_is_checked(source: Stage, to: Stage) -> None:
    bare = Facts(
        stage=source, status=Status.IN_PREPARATION, round=1, today=TODAY, diplomatic_relations=False
    )
    assert codes(plan(bare, Action.ADVANCE, to)) == {(ErrorCode.TRANSITION_NOT_ALLOWED, "to")}


def test_advance_without_a_target_is_refused_naming_the_field() -> None:
    assert codes(plan(ready(Stage.IDENTIFICATION), Action.ADVANCE)) == {(ErrorCode.REQUIRED, "to")}


def test_propose_is_not_a_transition() -> None:
    assert codes(plan(ready(Stage.IDENTIFICATION), Action.PROPOSE)) == {
        (ErrorCode.TRANSITION_NOT_ALLOWED, None)
    }


# --- guards: exactly the missing items are named ------------------------------------------------

NO_RELATIONS = (ErrorCode.NO_DIPLOMATIC_RELATIONS, "foreignRegion")


def missing(kind: DocumentType) -> tuple[ErrorCode, str]:
    return (ErrorCode.DOCUMENT_MISSING, f"documents.{kind.value}")


def approval(code: ErrorCode, kind: ApprovalType) -> tuple[ErrorCode, str]:
    return (code, f"approvals.{kind.value}")


TERM = (ErrorCode.TERM_MISSING, "agreement.term")
TERM_BAD = (ErrorCode.TERM_INVALID, "agreement.term")
NEG = ready(Stage.NEGOTIATION)

GUARDS = [
    pytest.param(
        ready(Stage.IDENTIFICATION, diplomatic_relations=False),
        Stage.EXPLORATION,
        {NO_RELATIONS},
        id="identification: no diplomatic relations",
    ),
    pytest.param(
        ready(Stage.EXPLORATION, diplomatic_relations=False),
        Stage.NEGOTIATION,
        {NO_RELATIONS},
        id="exploration: no diplomatic relations",
    ),
    pytest.param(
        ready(Stage.NEGOTIATION, diplomatic_relations=False),
        Stage.IMPLEMENTATION,
        {NO_RELATIONS},
        id="negotiation: no diplomatic relations",
    ),
    pytest.param(
        ready(Stage.IDENTIFICATION, documents_in_round=frozenset(), documents_in_stage=frozenset()),
        Stage.EXPLORATION,
        {missing(D.FEASIBILITY_STUDY)},
        id="identification: neither feasibility study nor offer letter",
    ),
    pytest.param(
        ready(
            Stage.IDENTIFICATION,
            documents_in_round=frozenset({D.LETTER_OF_INTENT, D.WORK_PLAN}),
        ),
        Stage.EXPLORATION,
        {missing(D.FEASIBILITY_STUDY)},
        id="identification: other documents do not count",
    ),
    pytest.param(
        ready(
            Stage.IDENTIFICATION,
            diplomatic_relations=False,
            documents_in_round=frozenset(),
        ),
        Stage.EXPLORATION,
        {NO_RELATIONS, missing(D.FEASIBILITY_STUDY)},
        id="identification: both missing, both named",
    ),
    pytest.param(
        ready(Stage.EXPLORATION, documents_in_round=frozenset({D.FEASIBILITY_STUDY})),
        Stage.NEGOTIATION,
        {missing(D.LETTER_OF_INTENT)},
        id="exploration: no letter of intent",
    ),
    *[
        pytest.param(
            ready(
                Stage.NEGOTIATION,
                approvals_in_round={k: d for k, d in ALL_APPROVED.items() if k is not kind},
            ),
            Stage.IMPLEMENTATION,
            {approval(ErrorCode.APPROVAL_MISSING, kind)},
            id=f"signing: {kind.value} missing",
        )
        for kind in SIGNING_APPROVALS
    ],
    *[
        pytest.param(
            ready(Stage.NEGOTIATION, approvals_in_round={**ALL_APPROVED, kind: Decision.REJECTED}),
            Stage.IMPLEMENTATION,
            {approval(ErrorCode.APPROVAL_REJECTED, kind)},
            id=f"signing: {kind.value} rejected",
        )
        for kind in SIGNING_APPROVALS
    ],
    pytest.param(
        ready(
            Stage.NEGOTIATION,
            approvals_in_round={**ALL_APPROVED, ApprovalType.PARTNER: Decision.REJECTED},
        ),
        Stage.IMPLEMENTATION,
        {approval(ErrorCode.APPROVAL_REJECTED, ApprovalType.PARTNER)},
        id="signing: the partner rejected",
    ),
    pytest.param(
        ready(Stage.NEGOTIATION, approvals_in_round={}),
        Stage.IMPLEMENTATION,
        {approval(ErrorCode.APPROVAL_MISSING, k) for k in SIGNING_APPROVALS},
        id="signing: every approval missing, each named",
    ),
    pytest.param(
        ready(Stage.NEGOTIATION, documents_in_round=without(NEG.documents_in_round, D.WORK_PLAN)),
        Stage.IMPLEMENTATION,
        {missing(D.WORK_PLAN)},
        id="signing: no work plan",
    ),
    pytest.param(
        ready(
            Stage.NEGOTIATION,
            documents_in_round=without(NEG.documents_in_round, D.SIGNED_AGREEMENT),
            agreement=None,
        ),
        Stage.IMPLEMENTATION,
        {missing(D.SIGNED_AGREEMENT)},
        id="signing: no signed agreement",
    ),
    pytest.param(
        ready(Stage.NEGOTIATION, agreement=dataclasses.replace(AGREEMENT, valid_until=None)),
        Stage.IMPLEMENTATION,
        {TERM},
        id="signing: term without an end",
    ),
    pytest.param(
        ready(Stage.NEGOTIATION, agreement=dataclasses.replace(AGREEMENT, valid_from=None)),
        Stage.IMPLEMENTATION,
        {TERM},
        id="signing: term without a start",
    ),
    pytest.param(
        ready(Stage.NEGOTIATION, agreement=Term(date(2025, 1, 10), None, None)),
        Stage.IMPLEMENTATION,
        {TERM},
        id="signing: no term at all",
    ),
    pytest.param(
        ready(
            Stage.NEGOTIATION,
            agreement=Term(date(2025, 1, 10), date(2027, 1, 1), date(2027, 1, 1)),
        ),
        Stage.IMPLEMENTATION,
        {TERM_BAD},
        id="signing: term ends the day it starts",
    ),
    pytest.param(
        ready(
            Stage.NEGOTIATION,
            agreement=Term(date(2025, 1, 10), date(2027, 1, 1), date(2026, 12, 31)),
        ),
        Stage.IMPLEMENTATION,
        {TERM_BAD},
        id="signing: term ends before it starts",
    ),
    pytest.param(
        ready(
            Stage.NEGOTIATION,
            agreement=Term(date(2020, 1, 10), date(2020, 1, 10), TODAY - timedelta(days=1)),
        ),
        Stage.IMPLEMENTATION,
        {TERM_BAD},
        id="signing: term already ended",
    ),
    pytest.param(
        Facts(
            stage=Stage.NEGOTIATION,
            status=Status.IN_PREPARATION,
            round=1,
            today=TODAY,
            diplomatic_relations=False,
        ),
        Stage.IMPLEMENTATION,
        {
            NO_RELATIONS,
            missing(D.WORK_PLAN),
            missing(D.SIGNED_AGREEMENT),
            *(approval(ErrorCode.APPROVAL_MISSING, k) for k in SIGNING_APPROVALS),
        },
        id="signing: nothing on record, everything named",
    ),
    pytest.param(
        ready(Stage.EVALUATION, documents_in_stage=frozenset()),
        Stage.IMPLEMENTATION,
        {missing(D.EVALUATION_REPORT)},
        id="evaluation->implementation: no evaluation report in this stage",
    ),
    pytest.param(
        ready(Stage.EVALUATION, documents_in_stage=frozenset()),
        Stage.NEGOTIATION,
        {missing(D.EVALUATION_REPORT)},
        id="evaluation->negotiation: no evaluation report in this stage",
    ),
    pytest.param(
        ready(
            Stage.EVALUATION,
            documents_in_round=frozenset({D.EVALUATION_REPORT}),
            documents_in_stage=frozenset({D.WORK_PLAN}),
        ),
        Stage.NEGOTIATION,
        {missing(D.EVALUATION_REPORT)},
        id="evaluation: a report from an earlier evaluation does not count",
    ),
]


@pytest.mark.parametrize(("facts", "to", "expected"), GUARDS)
def test_a_guard_refuses_naming_exactly_what_is_missing(
    facts: Facts, to: Stage, expected: set[tuple[ErrorCode, str]]
) -> None:
    result = plan(facts, Action.ADVANCE, to)
    assert codes(result) == expected
    assert isinstance(result, list) and len(result) == len(expected)  # no duplicates


def test_a_term_ending_today_is_still_valid_for_signing() -> None:
    facts = ready(Stage.NEGOTIATION, agreement=Term(date(2021, 6, 1), date(2021, 6, 1), TODAY))
    outcome = plan(facts, Action.ADVANCE, Stage.IMPLEMENTATION)
    assert isinstance(outcome, Outcome) and outcome.term is not None
    assert outcome.term.valid_until == TODAY


# --- abandon, terminate, expire -----------------------------------------------------------------

BEFORE_SIGNING = [Stage.IDENTIFICATION, Stage.EXPLORATION, Stage.NEGOTIATION]


@pytest.mark.parametrize("stage", BEFORE_SIGNING)
def test_abandon_before_signing_keeps_the_stage_and_closes(stage: Stage) -> None:
    facts = ready(stage, diplomatic_relations=False, documents_in_round=frozenset())
    assert plan(facts, Action.ABANDON) == Outcome(stage, Status.ABANDONED, 1)


@pytest.mark.parametrize(
    "facts",
    [
        ready(Stage.IMPLEMENTATION),
        ready(Stage.EVALUATION),
        ready(Stage.NEGOTIATION, status=Status.ACTIVE, round=2),  # renewing: still signed
    ],
    ids=["implementation", "evaluation", "renewal negotiation"],
)
def test_abandon_after_signing_is_refused_as_already_signed(facts: Facts) -> None:
    assert codes(plan(facts, Action.ABANDON)) == {(ErrorCode.ALREADY_SIGNED, "status")}


@pytest.mark.parametrize("stage", [Stage.IMPLEMENTATION, Stage.EVALUATION, Stage.NEGOTIATION])
def test_terminate_an_active_partnership_with_a_notice(stage: Stage) -> None:
    facts = ready(
        stage,
        status=Status.ACTIVE,
        round=2,
        documents_in_round=frozenset({D.TERMINATION_NOTICE}),
    )
    assert plan(facts, Action.TERMINATE) == Outcome(stage, Status.TERMINATED, 2)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        pytest.param(
            ready(Stage.IMPLEMENTATION),
            {missing(D.TERMINATION_NOTICE)},
            id="active without a notice",
        ),
        pytest.param(
            ready(
                Stage.NEGOTIATION,
                documents_in_round=NEG.documents_in_round | {D.TERMINATION_NOTICE},
            ),
            {(ErrorCode.NOT_SIGNED, "status")},
            id="not signed, notice on record",
        ),
        pytest.param(
            ready(Stage.EXPLORATION),
            {(ErrorCode.NOT_SIGNED, "status"), missing(D.TERMINATION_NOTICE)},
            id="not signed, no notice",
        ),
    ],
)
def test_terminate_is_refused_naming_each_problem(
    facts: Facts, expected: set[tuple[ErrorCode, str]]
) -> None:
    assert codes(plan(facts, Action.TERMINATE)) == expected


def test_expire_an_active_agreement_whose_term_ended() -> None:
    facts = ready(Stage.IMPLEMENTATION, valid_until=TODAY - timedelta(days=1))
    assert plan(facts, Action.EXPIRE) == Outcome(Stage.IMPLEMENTATION, Status.EXPIRED, 1)


@pytest.mark.parametrize(
    "valid_until",
    [TODAY, TODAY + timedelta(days=1), date(2030, 1, 9), None],
    ids=["ends today", "ends tomorrow", "years left", "no term"],
)
def test_expire_before_the_term_ended_is_refused(valid_until: date | None) -> None:
    facts = ready(Stage.EVALUATION, valid_until=valid_until)
    assert codes(plan(facts, Action.EXPIRE)) == {(ErrorCode.TERM_NOT_ENDED, "validUntil")}


@pytest.mark.parametrize("stage", BEFORE_SIGNING)
def test_expire_before_signing_is_refused(stage: Stage) -> None:
    facts = ready(stage, valid_until=TODAY - timedelta(days=30))
    assert codes(plan(facts, Action.EXPIRE)) == {(ErrorCode.NOT_SIGNED, "status")}


# --- closed partnerships ------------------------------------------------------------------------

CLOSED_REQUESTS = [(Action.ADVANCE, stage) for stage in Stage] + [
    (Action.ABANDON, None),
    (Action.TERMINATE, None),
    (Action.EXPIRE, None),
    (Action.ADVANCE, None),
]


@pytest.mark.parametrize("status", CLOSED)
@pytest.mark.parametrize(("action", "to"), CLOSED_REQUESTS)
@pytest.mark.parametrize("stage", list(Stage))
def test_any_action_on_a_closed_partnership_is_refused(
    status: Status, action: Action, to: Stage | None, stage: Stage
) -> None:
    facts = ready(
        stage,
        status=status,
        valid_until=TODAY - timedelta(days=400),
        documents_in_round=frozenset(DocumentType),
        documents_in_stage=frozenset(DocumentType),
    )
    assert codes(plan(facts, action, to)) == {(ErrorCode.PARTNERSHIP_CLOSED, "status")}


def test_the_closed_statuses_are_exactly_abandoned_terminated_expired() -> None:
    assert set(CLOSED) == {Status.ABANDONED, Status.TERMINATED, Status.EXPIRED}
