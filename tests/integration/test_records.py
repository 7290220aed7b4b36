"""Documents and approvals (core.services.records) and how the stage guards read them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from core.enums import ApprovalType, Decision, DocumentType
from core.errors import DomainError, ErrorCode
from core.models import Approval, Document, OutboxEvent, Partnership
from core.services import partnerships, records
from core.stages import SIGNING_APPROVALS, Stage, Status
from tests import factories
from tests.factories import ACTOR

TODAY = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def today() -> Iterator[date]:
    with factories.frozen(TODAY):
        yield TODAY


def problems(exc: pytest.ExceptionInfo[DomainError]) -> set[tuple[ErrorCode, str | None]]:
    return {(p.code, p.field) for p in exc.value.problems}


async def advance(p: Partnership, to: Stage) -> Partnership:
    current = await partnerships.get(p.id)
    return await partnerships.advance_stage(
        partnership_id=p.id, to=to, expected_version=current.version, actor=ACTOR
    )


async def approve(p: Partnership, kind: ApprovalType, decision: Decision) -> Approval:
    return await records.record_approval(
        partnership_id=p.id, type=kind, decision=decision, actor=ACTOR
    )


# --- documents ----------------------------------------------------------------------------------


async def test_a_document_is_stored_in_the_current_round_and_stage_with_one_event(db: str) -> None:
    p = await factories.at_stage(Stage.EXPLORATION)
    current = await partnerships.get(p.id)
    document = await records.add_document(
        partnership_id=p.id,
        type=DocumentType.LETTER_OF_INTENT,
        number="  PK/12/2026 ",
        issued_on=TODAY,
        issuer="Wali Kota Surabaya",
        url=" https://surabaya.go.id/pk.pdf ",
        actor="officer-5",
    )
    stored = await Document.get(id=document.id)
    assert (
        stored.type,
        stored.number,
        stored.issued_on,
        stored.url,
        stored.round,
        stored.stage_seq,
        stored.recorded_by,
    ) == (
        DocumentType.LETTER_OF_INTENT,
        "  PK/12/2026 ",
        TODAY,
        "https://surabaya.go.id/pk.pdf",
        1,
        current.transition_seq,
        "officer-5",
    )
    events = [e for e in await factories.outbox_rows(p) if e.type == "partnership.document_added"]
    assert [e.payload for e in events][-1] == {
        "partnership_id": p.id,
        "document_id": document.id,
        "document_type": "letter_of_intent",
    }
    assert events[-1].actor == "officer-5"
    # recording a document does not change the partnership's version
    assert (await partnerships.get(p.id)).version == current.version


@pytest.mark.parametrize("kind", [DocumentType.SIGNED_AGREEMENT, DocumentType.DRAFT_AGREEMENT])
async def test_an_agreement_may_carry_a_term(db: str, kind: DocumentType) -> None:
    p = await factories.at_stage(Stage.NEGOTIATION)
    document = await records.add_document(
        partnership_id=p.id,
        type=kind,
        issued_on=date(2026, 5, 1),
        valid_from=date(2026, 5, 1),
        valid_until=date(2031, 4, 30),
        actor=ACTOR,
    )
    stored = await Document.get(id=document.id)
    assert (stored.valid_from, stored.valid_until) == (date(2026, 5, 1), date(2031, 4, 30))


BAD_DOCUMENTS = [
    pytest.param(
        {"type": DocumentType.WORK_PLAN, "valid_from": date(2026, 1, 1)},
        (ErrorCode.INVALID, "validFrom"),
        id="term on a work plan (from)",
    ),
    pytest.param(
        {"type": DocumentType.LETTER_OF_INTENT, "valid_until": date(2030, 1, 1)},
        (ErrorCode.INVALID, "validFrom"),
        id="term on a letter of intent (until)",
    ),
    pytest.param(
        {"type": DocumentType.OFFER_LETTER, "issued_on": date(2026, 6, 2)},
        (ErrorCode.INVALID, "issuedOn"),
        id="issued tomorrow",
    ),
    pytest.param(
        {
            "type": DocumentType.SIGNED_AGREEMENT,
            "issued_on": date(2026, 7, 1),
            "valid_from": date(2026, 7, 1),
            "valid_until": date(2031, 7, 1),
        },
        (ErrorCode.INVALID, "issuedOn"),
        id="agreement signed in the future",
    ),
    pytest.param(
        {"type": DocumentType.OFFER_LETTER, "url": "ftp://example.org/offer.pdf"},
        (ErrorCode.INVALID, "url"),
        id="ftp url",
    ),
    pytest.param(
        {"type": DocumentType.OFFER_LETTER, "url": "surabaya.go.id/offer.pdf"},
        (ErrorCode.INVALID, "url"),
        id="url without scheme",
    ),
    pytest.param(
        {"type": DocumentType.OFFER_LETTER, "url": "javascript:alert(1)"},
        (ErrorCode.INVALID, "url"),
        id="javascript url",
    ),
    pytest.param(
        {
            "type": DocumentType.SIGNED_AGREEMENT,
            "issued_on": date(2026, 1, 1),
            "valid_from": date(2026, 1, 2),
            "valid_until": date(2026, 1, 1),
        },
        (ErrorCode.INVALID, "validUntil"),
        id="term ends before it starts",
    ),
    pytest.param(
        {"type": DocumentType.SIGNED_AGREEMENT},
        (ErrorCode.REQUIRED, "issuedOn"),
        id="signed agreement without signing date",
    ),
    pytest.param(
        {"type": DocumentType.OFFER_LETTER, "number": "x" * 201},
        (ErrorCode.INVALID, "number"),
        id="number too long",
    ),
    pytest.param(
        {"type": DocumentType.OFFER_LETTER, "issuer": "x" * 201},
        (ErrorCode.INVALID, "issuer"),
        id="issuer too long",
    ),
]


@pytest.mark.parametrize(("values", "expected"), BAD_DOCUMENTS)
async def test_a_bad_document_is_refused_and_nothing_is_written(
    db: str, values: dict[str, object], expected: tuple[ErrorCode, str]
) -> None:
    p = await factories.pair()
    before = await factories.snapshot(p)
    with pytest.raises(DomainError) as exc:
        await records.add_document(partnership_id=p.id, actor=ACTOR, **values)  # type: ignore[arg-type]
    assert problems(exc) == {expected}
    assert await factories.snapshot(p) == before


async def abandoned() -> Partnership:
    p = await factories.pair()
    return await partnerships.abandon(
        partnership_id=p.id, expected_version=p.version, reason="declined", actor=ACTOR
    )


async def terminated() -> Partnership:
    p = await factories.at_stage(Stage.IMPLEMENTATION)
    await factories.document(p, DocumentType.TERMINATION_NOTICE)
    p = await partnerships.get(p.id)
    return await partnerships.terminate(
        partnership_id=p.id, expected_version=p.version, reason="notice", actor=ACTOR
    )


@pytest.mark.parametrize("make", [abandoned, terminated], ids=["abandoned", "terminated"])
async def test_a_closed_partnership_takes_no_documents_or_approvals(db: str, make: object) -> None:
    p = await make()  # type: ignore[operator]
    before = await factories.snapshot(p)
    with pytest.raises(DomainError) as exc:
        await records.add_document(
            partnership_id=p.id, type=DocumentType.EVALUATION_REPORT, actor=ACTOR
        )
    assert problems(exc) == {(ErrorCode.PARTNERSHIP_CLOSED, "partnershipId")}
    with pytest.raises(DomainError) as exc:
        await approve(p, ApprovalType.DPRD, Decision.APPROVED)
    assert problems(exc) == {(ErrorCode.PARTNERSHIP_CLOSED, "partnershipId")}
    assert await factories.snapshot(p) == before


async def test_records_for_an_unknown_partnership_are_not_found(db: str) -> None:
    with pytest.raises(DomainError) as exc:
        await records.add_document(partnership_id=404, type=DocumentType.WORK_PLAN, actor=ACTOR)
    assert problems(exc) == {(ErrorCode.NOT_FOUND, "partnershipId")}
    with pytest.raises(DomainError) as exc:
        await records.record_approval(
            partnership_id=404, type=ApprovalType.DPRD, decision=Decision.APPROVED, actor=ACTOR
        )
    assert problems(exc) == {(ErrorCode.NOT_FOUND, "partnershipId")}
    assert await OutboxEvent.all().count() == 0


async def test_a_document_keeps_the_round_it_was_recorded_in(db: str) -> None:
    p = await factories.at_stage(Stage.EVALUATION)
    await factories.evaluation_report(p)
    p = await advance(p, Stage.NEGOTIATION)
    document = await records.add_document(
        partnership_id=p.id, type=DocumentType.WORK_PLAN, actor=ACTOR
    )
    rounds = await Document.filter(partnership_id=p.id, type=DocumentType.WORK_PLAN).order_by("id")
    assert [(d.id == document.id, d.round) for d in rounds] == [(False, 1), (True, 2)]


# --- approvals ----------------------------------------------------------------------------------


async def test_an_approval_is_stored_in_the_current_round_with_one_event(db: str) -> None:
    p = await factories.at_stage(Stage.NEGOTIATION)
    approval = await records.record_approval(
        partnership_id=p.id,
        type=ApprovalType.DPRD,
        decision=Decision.APPROVED,
        reference="Keputusan DPRD 7/2026",
        decided_on=TODAY,
        note="unanimous",
        actor="officer-6",
    )
    stored = await Approval.get(id=approval.id)
    assert (stored.type, stored.decision, stored.reference, stored.decided_on, stored.round) == (
        ApprovalType.DPRD,
        Decision.APPROVED,
        "Keputusan DPRD 7/2026",
        TODAY,
        1,
    )
    last = (await factories.outbox_rows(p))[-1]
    assert (last.type, last.actor, last.payload) == (
        "partnership.approval_recorded",
        "officer-6",
        {
            "partnership_id": p.id,
            "approval_id": approval.id,
            "approval_type": "dprd",
            "decision": "approved",
        },
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"decided_on": date(2026, 6, 2)}, (ErrorCode.INVALID, "decidedOn")),
        ({"reference": "r" * 201}, (ErrorCode.INVALID, "reference")),
        ({"note": "n" * 10_001}, (ErrorCode.INVALID, "note")),
    ],
    ids=["decided tomorrow", "reference too long", "note too long"],
)
async def test_a_bad_approval_is_refused_and_nothing_is_written(
    db: str, values: dict[str, object], expected: tuple[ErrorCode, str]
) -> None:
    p = await factories.at_stage(Stage.NEGOTIATION)
    before = await factories.snapshot(p)
    with pytest.raises(DomainError) as exc:
        await records.record_approval(
            partnership_id=p.id,
            type=ApprovalType.DPRD,
            decision=Decision.APPROVED,
            actor=ACTOR,
            **values,  # type: ignore[arg-type]
        )
    assert problems(exc) == {expected}
    assert await factories.snapshot(p) == before


async def negotiation_with_papers_but(*missing: ApprovalType) -> Partnership:
    p = await factories.at_stage(Stage.NEGOTIATION)
    await factories.document(p, DocumentType.WORK_PLAN)
    for kind in SIGNING_APPROVALS:
        if kind not in missing:
            await approve(p, kind, Decision.APPROVED)
    await factories.document(
        p,
        DocumentType.SIGNED_AGREEMENT,
        issued_on=date(2026, 5, 1),
        valid_from=date(2026, 5, 1),
        valid_until=date(2031, 4, 30),
    )
    return p


@pytest.mark.parametrize("kind", SIGNING_APPROVALS)
async def test_signing_names_the_one_missing_approval(db: str, kind: ApprovalType) -> None:
    p = await negotiation_with_papers_but(kind)
    before = await factories.snapshot(p)
    with pytest.raises(DomainError) as exc:
        await advance(p, Stage.IMPLEMENTATION)
    assert problems(exc) == {(ErrorCode.APPROVAL_MISSING, f"approvals.{kind.value}")}
    assert await factories.snapshot(p) == before
    await approve(p, kind, Decision.APPROVED)
    assert (await advance(p, Stage.IMPLEMENTATION)).status is Status.ACTIVE


async def test_the_latest_decision_counts_a_rejection_after_approval_blocks(db: str) -> None:
    p = await negotiation_with_papers_but()
    await approve(p, ApprovalType.KEMENDAGRI_VERIFICATION, Decision.REJECTED)
    with pytest.raises(DomainError) as exc:
        await advance(p, Stage.IMPLEMENTATION)
    assert problems(exc) == {(ErrorCode.APPROVAL_REJECTED, "approvals.kemendagri_verification")}


async def test_the_latest_decision_counts_an_approval_after_rejection_allows(db: str) -> None:
    p = await negotiation_with_papers_but(ApprovalType.DPRD)
    await approve(p, ApprovalType.DPRD, Decision.REJECTED)
    with pytest.raises(DomainError) as exc:
        await advance(p, Stage.IMPLEMENTATION)
    assert problems(exc) == {(ErrorCode.APPROVAL_REJECTED, "approvals.dprd")}
    await approve(p, ApprovalType.DPRD, Decision.APPROVED)
    signed = await advance(p, Stage.IMPLEMENTATION)
    assert (signed.stage, signed.status) == (Stage.IMPLEMENTATION, Status.ACTIVE)


async def test_signing_without_a_work_plan_names_it(db: str) -> None:
    p = await factories.at_stage(Stage.NEGOTIATION)
    await factories.approve_all(p)
    await factories.document(
        p,
        DocumentType.SIGNED_AGREEMENT,
        issued_on=date(2026, 5, 1),
        valid_from=date(2026, 5, 1),
        valid_until=date(2031, 4, 30),
    )
    with pytest.raises(DomainError) as exc:
        await advance(p, Stage.IMPLEMENTATION)
    assert problems(exc) == {(ErrorCode.DOCUMENT_MISSING, "documents.work_plan")}


async def test_signing_without_a_signed_agreement_names_it(db: str) -> None:
    p = await factories.at_stage(Stage.NEGOTIATION)
    await factories.document(p, DocumentType.WORK_PLAN)
    await factories.approve_all(p)
    await factories.document(
        p,
        DocumentType.DRAFT_AGREEMENT,
        valid_from=date(2026, 5, 1),
        valid_until=date(2031, 4, 30),
    )
    with pytest.raises(DomainError) as exc:
        await advance(p, Stage.IMPLEMENTATION)
    assert problems(exc) == {(ErrorCode.DOCUMENT_MISSING, "documents.signed_agreement")}


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "expected"),
    [
        (None, None, (ErrorCode.TERM_MISSING, "agreement.term")),
        (date(2026, 5, 1), None, (ErrorCode.TERM_MISSING, "agreement.term")),
        (None, date(2031, 4, 30), (ErrorCode.TERM_MISSING, "agreement.term")),
        (date(2027, 1, 1), date(2027, 1, 1), (ErrorCode.TERM_INVALID, "agreement.term")),
        (date(2020, 1, 1), date(2026, 5, 31), (ErrorCode.TERM_INVALID, "agreement.term")),
    ],
    ids=["no term", "no end", "no start", "ends when it starts", "already ended"],
)
async def test_signing_checks_the_term_of_the_latest_agreement(
    db: str,
    valid_from: date | None,
    valid_until: date | None,
    expected: tuple[ErrorCode, str],
) -> None:
    p = await factories.at_stage(Stage.NEGOTIATION)
    await factories.document(p, DocumentType.WORK_PLAN)
    await factories.approve_all(p)
    await factories.document(
        p,
        DocumentType.SIGNED_AGREEMENT,
        issued_on=date(2026, 5, 1),
        valid_from=date(2026, 5, 1),
        valid_until=date(2031, 4, 30),
    )
    # a later agreement replaces the earlier one: its term is what counts
    await factories.document(
        p,
        DocumentType.SIGNED_AGREEMENT,
        issued_on=date(2026, 5, 15),
        valid_from=valid_from,
        valid_until=valid_until,
    )
    before = await factories.snapshot(p)
    with pytest.raises(DomainError) as exc:
        await advance(p, Stage.IMPLEMENTATION)
    assert problems(exc) == {expected}
    assert await factories.snapshot(p) == before


async def test_approvals_of_an_earlier_round_do_not_count_for_a_renewal(db: str) -> None:
    p = await factories.at_stage(Stage.EVALUATION)
    await factories.evaluation_report(p)
    p = await advance(p, Stage.NEGOTIATION)
    assert p.round == 2
    await factories.document(p, DocumentType.WORK_PLAN)
    await approve(p, ApprovalType.DPRD, Decision.APPROVED)
    await factories.document(
        p,
        DocumentType.SIGNED_AGREEMENT,
        issued_on=date(2026, 5, 1),
        valid_from=date(2031, 1, 1),
        valid_until=date(2035, 12, 31),
    )
    with pytest.raises(DomainError) as exc:
        await advance(p, Stage.IMPLEMENTATION)
    assert problems(exc) == {
        (ErrorCode.APPROVAL_MISSING, f"approvals.{k.value}")
        for k in SIGNING_APPROVALS
        if k is not ApprovalType.DPRD
    }
    rounds = (
        await Approval.filter(partnership_id=p.id).order_by("id").values_list("round", flat=True)
    )
    assert list(rounds) == [1, 1, 1, 1, 2]
