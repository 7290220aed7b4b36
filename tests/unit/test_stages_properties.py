"""Property tests of core.stages.plan against an independent statement of the rules (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

pytest.importorskip("hypothesis")

from hypothesis import given, settings
from hypothesis import strategies as st

from core.enums import ApprovalType, Decision, DocumentType
from core.errors import ErrorCode
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

D = DocumentType
BASE = date(2026, 6, 1)

days = st.integers(min_value=-800, max_value=800).map(lambda n: BASE + timedelta(days=n))
terms = st.builds(Term, st.none() | days, st.none() | days, st.none() | days)
facts_strategy = st.builds(
    Facts,
    stage=st.sampled_from(Stage),
    status=st.sampled_from(Status),
    round=st.integers(min_value=1, max_value=5),
    today=days,
    diplomatic_relations=st.booleans(),
    documents_in_round=st.frozensets(st.sampled_from(DocumentType)),
    documents_in_stage=st.frozensets(st.sampled_from(DocumentType)),
    approvals_in_round=st.dictionaries(st.sampled_from(ApprovalType), st.sampled_from(Decision)),
    agreement=st.none() | terms,
    valid_until=st.none() | days,
)
requests = st.sampled_from(Action).flatmap(
    lambda action: st.tuples(
        st.just(action),
        st.none() | st.sampled_from(Stage) if action is Action.ADVANCE else st.none(),
    )
)


def expected_advance_problems(f: Facts, to: Stage) -> set[tuple[ErrorCode, str | None]]:
    """The rules of DOMAIN.md written out again, independently of core.stages."""
    if (f.stage, to) not in ADVANCES:
        return {(ErrorCode.TRANSITION_NOT_ALLOWED, "to")}
    out: set[tuple[ErrorCode, str | None]] = set()
    if f.stage in (Stage.IDENTIFICATION, Stage.EXPLORATION, Stage.NEGOTIATION):
        if not f.diplomatic_relations:
            out.add((ErrorCode.NO_DIPLOMATIC_RELATIONS, "foreignRegion"))
    if f.stage is Stage.IDENTIFICATION:
        if (
            D.FEASIBILITY_STUDY not in f.documents_in_round
            and D.OFFER_LETTER not in f.documents_in_round
        ):
            out.add((ErrorCode.DOCUMENT_MISSING, "documents.feasibility_study"))
    if f.stage is Stage.EXPLORATION and D.LETTER_OF_INTENT not in f.documents_in_round:
        out.add((ErrorCode.DOCUMENT_MISSING, "documents.letter_of_intent"))
    if f.stage is Stage.EVALUATION and D.EVALUATION_REPORT not in f.documents_in_stage:
        out.add((ErrorCode.DOCUMENT_MISSING, "documents.evaluation_report"))
    if f.stage is Stage.NEGOTIATION:
        if D.WORK_PLAN not in f.documents_in_round:
            out.add((ErrorCode.DOCUMENT_MISSING, "documents.work_plan"))
        for kind in SIGNING_APPROVALS:
            if kind not in f.approvals_in_round:
                out.add((ErrorCode.APPROVAL_MISSING, f"approvals.{kind.value}"))
        for kind, decision in f.approvals_in_round.items():
            if decision is Decision.REJECTED:
                out.add((ErrorCode.APPROVAL_REJECTED, f"approvals.{kind.value}"))
        a = f.agreement
        if a is None:
            out.add((ErrorCode.DOCUMENT_MISSING, "documents.signed_agreement"))
        elif a.valid_from is None or a.valid_until is None:
            out.add((ErrorCode.TERM_MISSING, "agreement.term"))
        elif a.valid_until <= a.valid_from or a.valid_until < f.today:
            out.add((ErrorCode.TERM_INVALID, "agreement.term"))
    return out


@settings(max_examples=1000, deadline=None)
@given(facts=facts_strategy, request=requests)
def test_plan_refuses_exactly_what_the_rules_refuse_and_otherwise_moves_as_they_say(
    facts: Facts, request: tuple[Action, Stage | None]
) -> None:
    action, to = request
    result = plan(facts, action, to)
    if facts.status not in LIVE_STATUSES:
        assert isinstance(result, list)
        assert {(p.code, p.field) for p in result} == {(ErrorCode.PARTNERSHIP_CLOSED, "status")}
        return
    if action is Action.ADVANCE and to is not None:
        expected = expected_advance_problems(facts, to)
        if expected:
            assert isinstance(result, list)
            assert {(p.code, p.field) for p in result} == expected
            assert len(result) == len(expected)
            return
        assert isinstance(result, Outcome)
        assert result.stage is to
        signing = facts.stage is Stage.NEGOTIATION and to is Stage.IMPLEMENTATION
        renewing = facts.stage is Stage.EVALUATION and to is Stage.NEGOTIATION
        assert result.status is (Status.ACTIVE if signing else facts.status)
        assert result.round == facts.round + (1 if renewing else 0)
        assert result.renewed is (signing and facts.round > 1)
        assert result.term == (facts.agreement if signing else None)
        return
    if isinstance(result, Outcome):
        # abandon / terminate / expire close the partnership where it stands
        assert action in (Action.ABANDON, Action.TERMINATE, Action.EXPIRE)
        assert result.stage is facts.stage
        assert result.round == facts.round
        assert result.term is None and result.renewed is False
        if action is Action.ABANDON:
            assert facts.status is Status.IN_PREPARATION and result.status is Status.ABANDONED
        elif action is Action.TERMINATE:
            assert facts.status is Status.ACTIVE and result.status is Status.TERMINATED
            assert D.TERMINATION_NOTICE in facts.documents_in_round
        else:
            assert facts.status is Status.ACTIVE and result.status is Status.EXPIRED
            assert facts.valid_until is not None and facts.valid_until < facts.today
    else:
        assert result, "a refusal names at least one problem"
        assert all(p.message for p in result)
        if action is Action.ABANDON:
            assert facts.status is Status.ACTIVE
        if action is Action.EXPIRE and facts.status is Status.ACTIVE:
            assert facts.valid_until is None or facts.valid_until >= facts.today


@settings(max_examples=200, deadline=None)
@given(facts=facts_strategy, to=st.sampled_from(Stage))
def test_plan_is_deterministic(facts: Facts, to: Stage) -> None:
    assert plan(facts, Action.ADVANCE, to) == plan(facts, Action.ADVANCE, to)
